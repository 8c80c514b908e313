// @node-oauth/oauth2-server (npm) behind express, with an in-memory model: the storage the
// library leaves to its user, written as its model documentation describes (a secret, when
// the library passes one, must match; codes and tokens are kept in Maps). The user approves
// at once (authenticateHandler), so the target uses login strategy "auto".
// Usage: node external/node_oauth2_server.mjs PORT   (NODE_PATH must reach the packages)
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.env.NODE_PATH || '.', 'noop.js'));
const express = require('express');
const OAuth2Server = require('@node-oauth/oauth2-server');
const { Request, Response } = OAuth2Server;

const port = Number(process.argv[2]);
const redirectUris = ['https://client.example.test/callback', 'http://127.0.0.1:8765/callback'];
const grants = ['authorization_code', 'refresh_token'];
const clients = [
  { id: 'conformance-app', secret: 'conformance-secret-0123456789', redirectUris, grants },
  { id: 'conformance-other', secret: 'other-secret-0123456789', redirectUris, grants },
  { id: 'conformance-public', secret: null, redirectUris, grants },
];
const user = { id: 'conformance-user' };
const codes = new Map();
const accessTokens = new Map();
const refreshTokens = new Map();

const model = {
  async getClient(clientId, clientSecret) {
    const client = clients.find((c) => c.id === clientId);
    if (!client) return null;
    // The model documentation: clientSecret "may be null if the grant type doesn't require
    // client authentication" (the authorization endpoint; the token endpoint with PKCE), so
    // a missing secret returns the client and a present one must match.
    if (clientSecret === null || clientSecret === undefined) return client;
    return clientSecret === client.secret ? client : null;
  },
  async saveAuthorizationCode(code, client, owner) {
    const saved = { ...code, client, user: owner };
    codes.set(code.authorizationCode, saved);
    return saved;
  },
  async getAuthorizationCode(authorizationCode) {
    return codes.get(authorizationCode) || null;
  },
  async revokeAuthorizationCode(code) {
    return codes.delete(code.authorizationCode);
  },
  async saveToken(token, client, owner) {
    const saved = { ...token, client, user: owner };
    accessTokens.set(token.accessToken, saved);
    if (token.refreshToken) refreshTokens.set(token.refreshToken, saved);
    return saved;
  },
  async getAccessToken(accessToken) {
    return accessTokens.get(accessToken) || null;
  },
  async getRefreshToken(refreshToken) {
    return refreshTokens.get(refreshToken) || null;
  },
  async revokeToken(token) {
    return refreshTokens.delete(token.refreshToken);
  },
  async validateScope(owner, client, scope) {
    const allowed = ['read', 'write'];
    const asked = scope || ['read'];
    return asked.every((s) => allowed.includes(s)) ? asked : false;
  },
  async verifyScope(token, scope) {
    return scope.every((s) => (token.scope || []).includes(s));
  },
};

// Codes live 5 s (the library's default is 300): short enough for the suite to wait one
// out (S73, external/grade.py sets code_lifetime to match).
const oauth = new OAuth2Server({ model, allowEmptyState: true, authorizationCodeLifetime: 5 });
const app = express();
app.use(express.urlencoded({ extended: false }));

function answer(res, response) {
  res.status(response.status).set(response.headers).send(response.body);
}

async function handle(req, res, step) {
  const request = new Request(req);
  const response = new Response(res);
  try {
    await step(request, response);
  } catch (error) {
    // The library fills `response` before throwing: an error redirect (authorize) or a
    // JSON error; anything it left empty becomes the error's own status and body.
    const redirected = response.status === 302 && response.get('location');
    if (!redirected && (!response.body || Object.keys(response.body).length === 0)) {
      response.status = error.code || 500;
      response.body = { error: error.name, error_description: error.message };
    }
  }
  answer(res, response);
}

app.all('/authorize', (req, res) =>
  handle(req, res, (request, response) =>
    oauth.authorize(request, response, { authenticateHandler: { handle: () => user } })),
);
app.post('/token', (req, res) => handle(req, res, (r, s) => oauth.token(r, s)));
app.get('/me', (req, res) =>
  handle(req, res, async (request, response) => {
    const token = await oauth.authenticate(request, response);
    response.status = 200;
    response.body = { sub: token.user.id };
  }),
);
app.get('/health', (req, res) => res.send('ok'));
app.listen(port, '127.0.0.1');

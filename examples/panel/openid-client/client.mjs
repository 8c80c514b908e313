// openid-client 6 (npm) as its docs show, speaking the harness's process protocol: discovery()
// (RFC 8414, algorithm "oauth2"), randomPKCECodeVerifier()/calculatePKCECodeChallenge(),
// randomState(), buildAuthorizationUrl(), authorizationCodeGrant(config, callbackUrl,
// { pkceCodeVerifier, expectedState }), refreshTokenGrant(), fetchProtectedResource().
// allowInsecureRequests: the mock is plain http on loopback (except in tls_untrusted).
import * as client from "openid-client";
import http from "node:http";
import readline from "node:readline";

const env = process.env, redirect = new URL(env.CONFORMANCE_REDIRECT_URI);
const say = (line) => console.log(line);
const secret = env.CONFORMANCE_CLIENT_SECRET;
const options = { algorithm: "oauth2" };
if (new URL(env.CONFORMANCE_ISSUER).protocol === "http:") options.execute = [client.allowInsecureRequests];
const config = await client.discovery(
  new URL(env.CONFORMANCE_ISSUER), env.CONFORMANCE_CLIENT_ID, secret, undefined, options);
let session = null; // the user's session (a cookie, in a web app): state and verifier
let tokens = {};

http.createServer(async (request, response) => {
  const url = new URL(request.url, redirect);
  response.writeHead(200, { "Content-Type": "text/plain" });
  response.end("Done.");
  if (session === null) return say("error no authorization in progress");
  try { // the library compares state, reads iss and error, redeems the code
    tokens = await client.authorizationCodeGrant(config, url,
      { pkceCodeVerifier: session.verifier, expectedState: session.state });
    session = null; // the app's part: a session completes once
    say("ok");
  } catch (error) {
    say(`error ${error.code ?? ""} ${error.message}`.replace(/\s+/g, " "));
  }
}).listen(redirect.port, redirect.hostname);

const commands = {
  async authorize() {
    const verifier = client.randomPKCECodeVerifier(), state = client.randomState();
    session = { state, verifier };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirect.href, scope: env.CONFORMANCE_SCOPE, state,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256",
    });
    say(url.href);
  },
  async refresh() {
    tokens = await client.refreshTokenGrant(config, tokens.refresh_token);
    say("ok");
  },
  async api() {
    const answer = await client.fetchProtectedResource(config, tokens.access_token, new URL(env.CONFORMANCE_RESOURCE_URL), "GET");
    say(answer.ok ? "ok" : `error HTTP ${answer.status}`);
  },
  quit: () => process.exit(0),
};
readline.createInterface({ input: process.stdin }).on("line", (line) =>
  Promise.resolve().then(() => commands[line.trim()]?.()).catch((error) => say(`error ${error.message}`.replace(/\s+/g, " "))));

// simple-oauth2 5 (npm) as its docs show, speaking the harness's process protocol:
// AuthorizationCode with the endpoints it is given, authorizeURL({ redirect_uri, scope, state }),
// getToken({ code, redirect_uri }), token.expired() then token.refresh() before an API call.
// The library has no PKCE and never sees the callback: the program adds the S256 pair, keeps
// the session (state, verifier) and reads the callback; those items are its own code.
const { AuthorizationCode } = require("simple-oauth2");
const crypto = require("node:crypto"), http = require("node:http"), readline = require("node:readline");

const env = process.env, redirect = new URL(env.CONFORMANCE_REDIRECT_URI), say = (line) => console.log(line);
const authorizeUrl = new URL(env.CONFORMANCE_AUTHORIZATION_ENDPOINT), tokenUrl = new URL(env.CONFORMANCE_TOKEN_ENDPOINT);
const secret = env.CONFORMANCE_CLIENT_SECRET;
const client = new AuthorizationCode({
  client: { id: env.CONFORMANCE_CLIENT_ID, secret: secret ?? "" },
  auth: { tokenHost: tokenUrl.origin, tokenPath: tokenUrl.pathname,
    authorizeHost: authorizeUrl.origin, authorizePath: authorizeUrl.pathname },
  options: secret ? {} : { authorizationMethod: "body" }, // a PKCE app: client_id in the body
});
const b64 = (bytes) => bytes.toString("base64url");
let session = null, token = null;

http.createServer(async (request, response) => {
  const query = new URL(request.url, redirect).searchParams;
  response.writeHead(200, { "Content-Type": "text/plain" });
  response.end("Done.");
  if (session === null || query.get("state") !== session.state) return say("error state mismatch");
  if (query.has("error")) return say(`error ${query.get("error")}`);
  try {
    token = await client.getToken({ code: query.get("code"), redirect_uri: redirect.href, code_verifier: session.verifier });
    session = null;
    say("ok");
  } catch (error) {
    say(`error ${error.message}`.replace(/\s+/g, " "));
  }
}).listen(redirect.port, redirect.hostname);

const commands = {
  authorize() {
    const state = b64(crypto.randomBytes(32)), verifier = b64(crypto.randomBytes(32));
    session = { state, verifier };
    say(client.authorizeURL({ redirect_uri: redirect.href, scope: env.CONFORMANCE_SCOPE, state,
      code_challenge: b64(crypto.createHash("sha256").update(verifier).digest()), code_challenge_method: "S256" }));
  },
  async refresh() { token = await token.refresh(); say("ok"); },
  async api() {
    if (token.expired()) token = await token.refresh();
    const answer = await fetch(env.CONFORMANCE_RESOURCE_URL, { headers: { Authorization: `Bearer ${token.token.access_token}` } });
    say(answer.ok ? "ok" : `error HTTP ${answer.status}`);
  },
  quit: () => process.exit(0),
};
readline.createInterface({ input: process.stdin }).on("line", (line) =>
  Promise.resolve().then(() => commands[line.trim()]?.()).catch((error) => say(`error ${error.message}`.replace(/\s+/g, " "))));

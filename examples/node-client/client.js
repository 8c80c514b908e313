// A small OAuth 2 client in plain Node, graded through the harness's process adapter (README.md here).
const http = require("node:http"), crypto = require("node:crypto"), readline = require("node:readline");
const env = process.env, redirect = new URL(env.CONFORMANCE_REDIRECT_URI), pending = new Map();
const b64 = (bytes) => bytes.toString("base64url"), say = (line) => console.log(line);
const formEncode = (value) => new URLSearchParams([["", value]]).toString().slice(1);
let token = {}, metadata = {};

async function tokenRequest(form) { // HTTP Basic (form-urlencoded first), or client_id for a PKCE app
  const headers = { "Content-Type": "application/x-www-form-urlencoded" }, id = env.CONFORMANCE_CLIENT_ID;
  if (!env.CONFORMANCE_CLIENT_SECRET) form.client_id = id;
  else headers.Authorization = "Basic " + btoa(`${formEncode(id)}:${formEncode(env.CONFORMANCE_CLIENT_SECRET)}`);
  const body = new URLSearchParams(form);
  const answer = await fetch(env.CONFORMANCE_TOKEN_ENDPOINT, { method: "POST", headers, body });
  if (!answer.ok) throw new Error(`token endpoint: HTTP ${answer.status}`);
  token = { refresh_token: token.refresh_token, ...(await answer.json()) };
}

http.createServer(async (request, response) => { // the redirect URI: check state and iss, redeem the code
  const query = new URL(request.url, redirect).searchParams;
  const state = query.get("state"), iss = query.get("iss");
  const verifier = pending.get(state), issRequired = metadata.authorization_response_iss_parameter_supported;
  pending.delete(state); // each state is good for one callback
  response.writeHead(200, { "Content-Type": "text/html", "Referrer-Policy": "no-referrer" });
  response.end("<script>history.replaceState(null, '', location.pathname)</script>Done: close this window.");
  if (query.has("error")) return say(`error ${query.get("error")}`);
  if (!verifier) return say("error state mismatch");
  if ((iss !== null || issRequired) && iss !== metadata.issuer) return say("error iss mismatch");
  const form = { grant_type: "authorization_code", code: query.get("code"), redirect_uri: redirect.href,
    code_verifier: verifier };
  await tokenRequest(form).then(() => say("ok"), (error) => say(`error ${error.message}`));
}).listen(redirect.port, redirect.hostname);

const commands = { // one per stdin line; each answers with an "ok" or "error ..." line
  authorize() { // a fresh state and S256 challenge every time; the URL goes to stdout
    const state = b64(crypto.randomBytes(32)), verifier = b64(crypto.randomBytes(32));
    const challenge = b64(crypto.createHash("sha256").update(verifier).digest());
    pending.set(state, verifier);
    const query = new URLSearchParams({ response_type: "code", client_id: env.CONFORMANCE_CLIENT_ID,
      redirect_uri: redirect.href, scope: env.CONFORMANCE_SCOPE, state,
      code_challenge: challenge, code_challenge_method: "S256" });
    say(`${env.CONFORMANCE_AUTHORIZATION_ENDPOINT}?${query}`);
  },
  refresh: () => tokenRequest({ grant_type: "refresh_token", refresh_token: token.refresh_token }).then(() => say("ok")),
  api: () => fetch(env.CONFORMANCE_RESOURCE_URL, { headers: { Authorization: `Bearer ${token.access_token}` } })
    .then((answer) => say(answer.ok ? "ok" : `error HTTP ${answer.status}`)),
  quit: () => process.exit(0),
};
fetch(env.CONFORMANCE_METADATA_URL).then((answer) => answer.json()).then((document) => { // RFC 8414 metadata first
  const expected = env.CONFORMANCE_METADATA_URL.replace(/\/\.well-known\/.*$/, ""); // RFC 8414 3.3
  if (document.issuer !== expected) throw new Error(`metadata issuer ${document.issuer} is not ${expected}`);
  metadata = document;
  readline.createInterface({ input: process.stdin })
    .on("line", (line) => Promise.resolve().then(() => commands[line.trim()]?.())
      .catch((error) => say(`error ${error.message}`)));
});

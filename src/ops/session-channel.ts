/**
 * Which channel a session belongs to, guessed from its key where its messages do not record their
 * channel (files from before they did; `hearth usage` reads the recorded one first): `whatsapp:<jid>`, `http` / `http:<user>` /
 * `http-user:…` (the OpenAI-compatible API), `web-…` or `webchat:…` (the web chat page); anything else is the terminal.
 */
export function channelOf(session: string): "whatsapp" | "http" | "webchat" | "cli" {
  if (session.startsWith("whatsapp:")) return "whatsapp";
  if (session === "http" || session.startsWith("http:") || session.startsWith("http-user:")) return "http";
  if (session.startsWith("web-") || session.startsWith("webchat:")) return "webchat";
  return "cli";
}

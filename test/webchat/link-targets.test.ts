import assert from "node:assert/strict";
import { test } from "node:test";
import { createMarkdown } from "../../src/channels/webchat/page/markdown.js";

// t22 #7: a steered model wrote `[https://bank.example](https://evil.example/login)` and the page showed a
// link reading "https://bank.example"; a look-alike host (`раураl.com`, Cyrillic) read as the real one.
// A link whose words name another host than the one it goes to, or whose host is an internationalised
// (look-alike-prone) name, shows the host it goes to beside it, in its ASCII form.

const render = createMarkdown();
const hostNote = (html: string): string | undefined => /<span class="link-host"[^>]*> \(([^)]*)\)<\/span>/.exec(html)?.[1];

test("a link whose words are another URL or host shows where it goes", () => {
  assert.equal(hostNote(render("[https://bank.example](https://evil.example/login)")), "evil.example");
  assert.equal(hostNote(render("[bank.example/login](https://evil.example/login)")), "evil.example");
  assert.equal(hostNote(render("[**www.bank.example**](http://evil.example)")), "evil.example");
});

test("a look-alike host shows in its ASCII form, written as a link or as a bare URL", () => {
  assert.equal(hostNote(render("[раураl.com](https://xn--80aa0cbo65f.com)")), "xn--80aa0cbo65f.com");
  assert.equal(hostNote(render("see https://раураl.com/login now")), new URL("https://раураl.com").hostname);
  assert.match(new URL("https://раураl.com").hostname, /^xn--/);
});

test("links that say where they go, or name no host, are left as they are", () => {
  for (const source of ["[the docs](https://example.com/docs)", "https://example.com/x", "<https://example.com>", "[example.com](https://example.com/page)", "[EXAMPLE.com](https://example.com)", "[mail me](mailto:a@example.com)", "[v1.2 notes](https://example.com/notes)"]) {
    assert.equal(hostNote(render(source)), undefined, source);
  }
});

test("a host named anywhere in a link's words, with ideographic dots, or in an image's alt text, shows where it goes (review s27 #15)", () => {
  assert.equal(hostNote(render("[Log in at https://bank.example/login](https://evil.example/login)")), "evil.example");
  assert.equal(hostNote(render("[your bank (bank.example), sign in](https://evil.example/login)")), "evil.example");
  assert.equal(hostNote(render("[https://bank。example](https://evil.example/login)")), "evil.example");
  assert.equal(hostNote(render("![https://bank.example](https://evil.example/login)")), "evil.example");
  assert.equal(hostNote(render("[Read the docs at example.com, e.g. the guide](https://example.com/guide)")), undefined, "the host it goes to, and no host");
  assert.equal(hostNote(render("![a cat](https://example.com/cat.png)")), undefined);
});

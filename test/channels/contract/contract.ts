// The channel contract: what every channel guarantees the person typing, written once against
// ChannelDriver (driver.ts) and run for each channel (whatsapp.test.ts, webchat.test.ts), through the
// real gateway and real fake model servers on 127.0.0.1.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { refusedUrl } from "../../fakes/fake-server.js";
import { lastUser, type Turn } from "../../helpers/scripted-model.js";
import { tempDir } from "../../helpers/run-cli.js";
import type { ChannelDriver } from "./driver.js";
import { contractConfig, REASONING_VARIANTS, REASONING_WORD, startModelServer, type ModelServer } from "./model-servers.js";

/** Three paragraphs of about 1,800 characters: longer than one WhatsApp message (4,000 by default). */
const LONG = [1, 2, 3].map((paragraph) => `Paragraph ${paragraph}: ${"every word counts ".repeat(100).trim()}.`).join("\n\n");
/** An answer that shows the reasoning tags as inline code: words of the answer, sent as written. */
const TAGS = "Models wrap reasoning in `<think>` and `</think>` tags.";
/** The model's final text for a message: plain words in paragraphs (inline code kept as written), the same in every channel's formatting. */
const answerTo = (asked: string): string => {
  if (asked.includes("long")) return `${LONG}\n\nThe end of “${asked}”.`;
  if (asked.includes("tags")) return `${TAGS}\n\nThat is all about “${asked}”.`;
  return `The answer to “${asked}” is 42.\n\nThat is all, from the model.`;
};
const answer = (turns: Turn[]): string => answerTo(lastUser(turns));
const usersOf = (call: Turn[] | undefined): string[] => (call ?? []).filter((turn) => turn.role === "user").map((turn) => turn.text);
const FALLBACK_NOTICE = /^answered by /;

export function channelContract(makeDriver: () => ChannelDriver): void {
  const driverName = makeDriver().name;
  describe(`the channel contract: ${driverName}`, { timeout: 180_000 }, () => {
    const temp = tempDir("hearth-contract-");
    const closers: (() => Promise<unknown>)[] = [];
    after(async () => {
      for (const close of closers.reverse()) await close();
      temp.cleanup();
    });
    let count = 0;
    /** A started driver on `config`, in a fresh state dir; stopped after the suite. */
    const started = async (config: object): Promise<ChannelDriver> => {
      const driver = makeDriver();
      const stateDir = join(temp.dir, String(++count));
      mkdirSync(stateDir);
      await driver.start({ config, stateDir });
      closers.push(() => driver.stop());
      return driver;
    };
    const server = async (options: Parameters<typeof startModelServer>[0]): Promise<ModelServer> => {
      const started = await startModelServer(options);
      closers.push(() => started.server.close());
      return started;
    };

    test("1. nothing the user said is lost: saved before the model is called, and when every model is down", async () => {
      const saved: (string | undefined)[] = [];
      const current: { driver?: ChannelDriver } = {};
      const home = await server({
        answer,
        reply: async () => {
          const items = (await current.driver?.transcript("a")) ?? [];
          saved.push(items.findLast((item) => item.role === "user")?.text);
          return undefined;
        },
      });
      const driver = await started(contractConfig({ chain: [{ provider: "home", baseUrl: home.server.baseUrl }] }));
      current.driver = driver;
      const shown = await driver.send("a", "remember the milk");
      assert.equal(shown.text, answerTo("remember the milk"));
      assert.deepEqual(saved, ["remember the milk"], "the message is in the transcript when the model is called");

      const down = await started(contractConfig({ chain: [{ provider: "home", baseUrl: `${await refusedUrl()}/v1` }, { provider: "spare", baseUrl: `${await refusedUrl()}/v1` }] }));
      const failed = await down.send("a", "is anyone there?");
      assert.equal(failed.text, "", "no answer is made up");
      assert.ok(failed.error !== undefined && failed.error.length > 0, `the user is told the message got no answer: ${JSON.stringify(failed)}`);
      await down.restart();
      // A channel may have resent it while it waited for a model (WhatsApp does): still one message, shown once.
      const users = (await down.transcript("a")).filter((item) => item.role === "user");
      assert.deepEqual(
        users.map((item) => ({ text: item.text, unanswered: item.unanswered })),
        [{ text: "is anyone there?", unanswered: true }],
        "the unanswered message is kept across a restart, shown once, marked unanswered",
      );
    });

    for (const variant of REASONING_VARIANTS) {
      test(`2. no word of the answer lost, no reasoning in it: ${variant}`, async () => {
        const home = await server({ variant, answer });
        const driver = await started(contractConfig({ chain: [{ provider: "home", baseUrl: home.server.baseUrl, variant }] }));
        const asks = ["what is the answer?", "and again, please", "a long one, please", "how do think tags look?"];
        for (const asked of asks) {
          const shown = await driver.send("a", asked);
          assert.equal(shown.text, answerTo(asked), "the answer shown is the model's final text, exactly");
          if (shown.streamed !== undefined) assert.equal(shown.streamed, answerTo(asked), "the streamed answer is the final text too, with no reasoning on the way");
          if (driver.showsReasoning) {
            assert.ok(shown.reasoning === "" || shown.reasoning.includes(REASONING_WORD), `reasoning shown apart is the model's: ${shown.reasoning}`);
          } else {
            assert.equal(shown.reasoning, "");
            for (const line of shown.everything) assert.ok(!line.includes(REASONING_WORD), `reasoning reached the user: ${line}`);
          }
          assert.equal(shown.error, undefined);
        }
        const answers = (await driver.transcript("a")).filter((item) => item.role === "assistant");
        assert.deepEqual(
          answers.map((item) => item.text),
          asks.map(answerTo),
          "the transcript keeps the same final text, without reasoning",
        );
      });
    }

    test("3. one session per conversation, a burst answered in order, conversations apart, across a restart", async () => {
      const home = await server({ answer });
      const driver = await started(contractConfig({ chain: [{ provider: "home", baseUrl: home.server.baseUrl }] }));
      const burst = ["first of three", "second of three", "third of three"];
      const shown = await driver.burst("a", burst);
      assert.deepEqual(
        shown.map((item) => item.text),
        burst.map(answerTo),
        "each message answered, in the order sent",
      );
      assert.deepEqual(
        home.calls().map(usersOf),
        [burst.slice(0, 1), burst.slice(0, 2), burst],
        "each turn saw the turns before it, one at a time",
      );
      assert.equal((await driver.send("b", "a separate question")).text, answerTo("a separate question"));
      assert.deepEqual(usersOf(home.calls()[3]), ["a separate question"], "another conversation does not see the first's history");
      await driver.restart();
      assert.equal((await driver.send("a", "after the restart")).text, answerTo("after the restart"));
      assert.deepEqual(usersOf(home.calls()[4]), [...burst, "after the restart"], "the conversation goes on in its session after a restart");
      assert.deepEqual(
        (await driver.transcript("a")).filter((item) => item.role === "user").map((item) => item.text),
        [...burst, "after the restart"],
      );
      assert.deepEqual(
        (await driver.transcript("b")).filter((item) => item.role === "user").map((item) => item.text),
        ["a separate question"],
      );
    });

    test("4. a fallback that answered shows the configured one-line notice, and only then", async () => {
      const spare = await server({ answer });
      const down = `${await refusedUrl()}/v1`;
      const fellBack = await started(contractConfig({ chain: [{ provider: "home", baseUrl: down }, { provider: "spare", baseUrl: spare.server.baseUrl }] }));
      const shown = await fellBack.send("a", "who answers?");
      assert.equal(shown.text, answerTo("who answers?"));
      assert.deepEqual(
        shown.notices.filter((notice) => FALLBACK_NOTICE.test(notice)),
        ["answered by spare/m — home/m (local server) unreachable"],
      );

      const home = await server({ answer });
      const primary = await started(contractConfig({ chain: [{ provider: "home", baseUrl: home.server.baseUrl }, { provider: "spare", baseUrl: spare.server.baseUrl }] }));
      const fromHome = await primary.send("a", "who answers now?");
      assert.equal(fromHome.text, answerTo("who answers now?"));
      assert.deepEqual(fromHome.notices, [], "the primary answered: no notice");

      const quiet = await started(contractConfig({ chain: [{ provider: "home", baseUrl: down }, { provider: "spare", baseUrl: spare.server.baseUrl }], fallbackNotice: false }));
      const unannounced = await quiet.send("a", "and with notices off?");
      assert.equal(unannounced.text, answerTo("and with notices off?"));
      assert.deepEqual(unannounced.notices.filter((notice) => FALLBACK_NOTICE.test(notice)), [], "notices off: none");
    });

    test("5. a failed turn does not poison the conversation: the next message is answered, the failed one not merged in", async () => {
      const gone = await refusedUrl();
      const driver = await started(contractConfig({ chain: [{ provider: "home", baseUrl: `${gone}/v1` }] }));
      const failed = await driver.send("a", "the message that failed");
      assert.equal(failed.text, "");
      assert.ok(failed.error);
      const back = await server({ answer, port: Number(new URL(gone).port) });
      const shown = await driver.send("a", "the next message");
      assert.equal(shown.text, answerTo("the next message"));
      const calls = back.calls();
      assert.equal(calls.length, 1, "one model call, for the next message");
      assert.deepEqual(usersOf(calls[0]), ["the next message"], "the failed message is not sent along with it");
      assert.ok(!(calls[0] ?? []).some((turn) => turn.text.includes("the message that failed")));
    });

    test("6. secrets never shown: a provider's apiKey or address credentials, and a key a server echoes back in an error", async () => {
      const homeKey = "sk-contract-home-0123456789abcdefghij";
      const spareKey = "sk-contract-spare-9876543210zyxwvutsrq";
      const invalidKey = (key: string) => ({ kind: "json" as const, status: 401, body: { error: { message: `Incorrect API key provided: ${key}. You can find your API key at https://platform.openai.com/account/api-keys.`, type: "invalid_request_error", param: null, code: "invalid_api_key" } } });
      const home = await server({ answer, reply: () => invalidKey(homeKey) });
      // The spare also echoes its key in an answer (a model that read it somewhere, a proxy that repeats it), streamed across many deltas.
      const spare = await server({ answer: (turns) => (lastUser(turns).includes("echo") ? `Your key is ${spareKey}, said the server.` : answer(turns)), reply: (request) => (JSON.stringify(request.body).includes("fail as well") ? invalidKey(spareKey) : undefined) });
      // First in the chain, a server that is down, with credentials in its address.
      const urlPassword = "hunter2-contract-url-password";
      const attic = `http://hearth:${urlPassword}@${new URL(await refusedUrl()).host}/v1`;
      const chain = [{ provider: "attic", baseUrl: attic }, { provider: "home", baseUrl: home.server.baseUrl, apiKey: homeKey }, { provider: "spare", baseUrl: spare.server.baseUrl, apiKey: spareKey }];
      const driver = await started(contractConfig({ chain }));
      const answered = await driver.send("a", "hello with keys");
      assert.equal(answered.text, answerTo("hello with keys"));
      const echoed = await driver.send("a", "echo my key");
      assert.match(echoed.text, /^Your key is \S+, said the server\.$/);
      const commands = [await driver.send("a", "/status"), await driver.send("a", "/model list")];
      const failed = await driver.send("a", "now fail as well");
      assert.ok(failed.error, "every model refused the key: the user is told");
      // A request the server refuses for good (400: no retry helps), its error echoing the key: the channel shows that error.
      const strictKey = "sk-contract-strict-5647382910qwertyuiop";
      const strict = await server({ answer, reply: () => ({ kind: "json", status: 400, body: { error: { message: `Invalid request for key ${strictKey}: unsupported parameter 'temperature'.`, type: "invalid_request_error", param: "temperature", code: null } } }) });
      const strictDriver = await started(contractConfig({ chain: [{ provider: "strict", baseUrl: strict.server.baseUrl, apiKey: strictKey }] }));
      const refused = await strictDriver.send("a", "this will be refused");
      assert.ok(refused.error?.includes("unsupported parameter"), `the server's reason is shown: ${JSON.stringify(refused)}`);
      const texts = [answered, echoed, failed, refused].flatMap((item) => [item.text, item.streamed ?? "", item.reasoning, ...item.everything]);
      const shown = [...texts, ...commands.flatMap((command) => [command.text, ...command.everything]), JSON.stringify(await driver.transcript("a")), JSON.stringify(await strictDriver.transcript("a")), ...(await driver.surroundings()), ...(await strictDriver.surroundings())];
      assert.ok(home.calls().length > 0 && spare.calls().length > 1 && strict.calls().length > 0, "every server was asked (and echoed its key)");
      for (const text of shown) {
        for (const key of [homeKey, spareKey, strictKey, urlPassword]) assert.ok(!text.includes(key) && !text.includes(key.slice(-20)), `a key was shown: ${text}`);
      }
    });

    test("7. in-chat commands work the same: /new starts afresh without calling a model", async () => {
      const home = await server({ answer });
      const driver = await started(contractConfig({ chain: [{ provider: "home", baseUrl: home.server.baseUrl }] }));
      await driver.send("a", "my colour is blue");
      const reset = await driver.send("a", "/new");
      assert.ok(reset.text.length > 0, "the command's answer is shown");
      assert.equal(home.calls().length, 1, "no model was called for the command");
      assert.equal((await driver.send("a", "what is my colour?")).text, answerTo("what is my colour?"));
      assert.deepEqual(usersOf(home.calls()[1]), ["what is my colour?"], "after /new the earlier turns are not sent");
    });

    test("8. a mistyped command is answered, never sent nor kept; a path goes to the model; //word sends /word", async () => {
      const home = await server({ answer });
      const driver = await started(contractConfig({ chain: [{ provider: "home", baseUrl: home.server.baseUrl }] }));
      const typo = await driver.send("a", "/modle Spare");
      assert.equal(typo.text, "unknown command /modle — did you mean /model? (/help lists them)");
      assert.equal(home.calls().length, 0, "no model was called for it");
      assert.equal((await driver.send("a", "/etc/hosts is what?")).text, answerTo("/etc/hosts is what?"));
      assert.equal((await driver.send("a", "//shrug")).text, answerTo("/shrug"));
      assert.deepEqual(usersOf(home.calls()[1]), ["/etc/hosts is what?", "/shrug"], "the mistyped command is not in the history");
    });
  });
}

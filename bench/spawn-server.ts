import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

/** Starts bench/serve-stream.ts in its own process; resolves with its URL and a stop function. */
export async function spawnStreamServer(protocol: string, repeats = 75): Promise<{ url: string; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", new URL("./serve-stream.ts", import.meta.url).pathname, protocol, String(repeats)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`stream server exited ${code}`)));
  });
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.stdin?.end();
      }),
  };
}

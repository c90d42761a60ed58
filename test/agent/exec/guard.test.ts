import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { refusedArgument } from "../../../src/agent/tools/exec/check-arguments.js";

/**
 * Per known program: argument lists that may run, and lists that would run another program, write a
 * file elsewhere or read options from where the guard cannot see — each written the ways the
 * program's own parser accepts (abbreviations, bundles, attached values, scripts in arguments).
 */
const cases: Record<string, { allowed: string[][]; refused: string[][] }> = {
  git: {
    allowed: [
      ["status", "-sb"], ["log", "--oneline", "-5"], ["log", "--format=%h %s", "--since", "2 weeks ago"], ["show", "--stat", "HEAD"], ["diff", "--cached", "-U3"],
      ["-C", "sub", "log", "-n", "3"], ["blame", "-L", "1,5", "a.txt"], ["grep", "-n", "-e", "TODO", "--", "src"], ["ls-files", "-z"], ["rev-parse", "--show-toplevel"], ["ls-files", "-o", "--exclude-per-directory=.gitignore"],
      ["branch", "-a", "-v"], ["clone", "--depth", "1", "https://example.invalid/r.git", "r"], ["ls-remote", "--heads", "https://example.invalid/r.git"], ["log", "--no-ext-diff", "-p"],
      ["--no-pager", "diff", "--stat"], ["diff", "--no-ext"], ["log", "--onel"], ["clone", "--bundle-uri=https://example.invalid/b", "https://example.invalid/r.git", "r"], ["ls-remote", "./a:b"],
    ],
    refused: [
      ["ls-remote", "--upload-pac=touch x", "."], ["ls-remote", "--upload-pack", "touch x", "."], ["ls-remote", "--exec=touch x", "."], ["clone", "-u", "touch x", ".", "c"],
      ["clone", "-utouch x", ".", "c"], ["clone", "--template=/tmp/t", ".", "c"], ["clone", "ext::sh -c touch% x", "c"], ["clone", "ssh://host/r", "c"], ["clone", "host:r", "c"],
      ["clone", "https://example.invalid/r", "/home/u/.ssh"], ["difftool", "-x", "touch x"], ["grep", "-Otouch x", "hello"], ["grep", "-nO", "hello"], ["grep", "--open-files", "hello"],
      ["-c", "core.pager=touch x", "log"], ["-ccore.pager=x", "log"], ["--config-env=core.pager=X", "log"], ["--exec-path=/tmp", "log"], ["-p", "log"], ["help", "log"],
      ["log", "--ext-diff"], ["log", "--ext"], ["diff", "--textconv"], ["log", "--output=/tmp/x"], ["log", "--out=/tmp/x"], ["log", "--format=%G?"], ["log", "--show-signature"],
      ["!touch x"], ["my-alias"], ["tag", "-v", "v1"], ["status", "--bogus"], ["--git-dir=/tmp/evil", "status"], ["commit", "-m", "x"], ["--", "difftool", "-x", "touch x"], ["-C", "sub", "--", "difftool"],
      ["ls-files", "-o", "--exclude-per-directory=../../.ssh/id_ed25519"], ["ls-remote", "git@127.0.0.1:r.git"], ["clone", "u@h:r", "c"], ["clone", "--bundle-uri=ssh://h/b", "https://example.invalid/r.git", "c"], ["clone", "--bundle-u", "h:b", "https://example.invalid/r.git", "c"],
    ],
  },
  tar: {
    allowed: [["-tf", "a.tar"], ["-xzf", "a.tgz"], ["tf", "a.tar"], ["-x", "-f", "a.tar", "-C", "out"], ["--list", "--file=a.tar"], ["-cf", "out.tar", "src"], ["--extract", "--to-stdout", "-f", "a.tar"]],
    refused: [
      ["-xf", "a.tar", "--to-com=touch x"], ["-xf", "a.tar", "--to-command", "touch x"], ["-cf", "b.tar", "--checkpoint=1", "--checkpoint-act=exec=touch x", "a"],
      ["-cf", "b.tar", "--checkpoint-action=exec=touch x", "a"], ["-xIsh", "-f", "a.tar"], ["-x", "-I", "touch x", "-f", "a.tar"], ["xfI", "a.tar", "touch x"], ["-xf", "a.tar", "--use-comp=sh"],
      ["-xf", "host:a.tar"], ["-xf", "a.tar", "--rsh-command=/bin/sh"], ["-cf", "/home/u/.bashrc", "a"], ["-xf", "a.tar", "-C", "/home/u"], ["-xPf", "a.tar"], ["-cf", "a.tar", "-T", "list"],
      ["-xf", "a.tar", "--info-script=x"], ["-xf", "a.tar", "-F", "x"], ["-xf", "a.tar", "--bogus"],
    ],
  },
  sed: {
    allowed: [["-n", "1,5p", "a.txt"], ["s/a/b/g", "a.txt"], ["-e", "s/[/]/x/", "-e", "/re/d", "a.txt"], ["-E", "s|a(b)|\\1|2", "a.txt"], ["1a text; e touch x", "a.txt"], [":a;N;$!ba;s/\\n/ /g", "a.txt"], ["y/abc/xyz/", "a.txt"], ["--sandbox", "-n", "$=", "a.txt"],
      // -i rewrites its files: judged as writes on the file system (check-writes.ts), not refused here.
      ["-i", "s/a/b/", "/etc/hosts"], ["-i.bak", "s/a/b/", "a.txt"], ["--in-pl", "s/a/b/", "a.txt"]],
    refused: [
      ["1e touch x", "a.txt"], ["e", "a.txt"], ["s/x/touch y/e", "a.txt"], ["s/x/y/w /tmp/out", "a.txt"], ["w /tmp/out", "a.txt"], ["1r /etc/shadow", "a.txt"], ["R /etc/shadow", "a.txt"],
      ["-n", "-e", "p", "-e", "1e touch x", "a.txt"], ["/a/{e touch x\n}", "a.txt"], ["s/[/]/x/e", "a.txt"], ["1!e id", "a.txt"],
      ["-f", "script.sed", "a.txt"], ["-ne", "1e touch x", "a.txt"], ["s/a/b/ e", "a.txt"], ["W out", "a.txt"],
    ],
  },
  awk: {
    allowed: [["{print $1}", "a.txt"], ["-F:", "$3 > 100 {print $1}", "/etc/passwd"], ["/a|b/ {n++} END {print n}", "a.txt"], ["{print ($1 > 2)}", "a.txt"], ["-v", "x=1", "BEGIN {print x}"], ['{print "a|b > c"}', "a.txt"], ["{ s = $1 / 2; print s / 3 }", "a.txt"], ["$1 ~ /^[/]x|y$/ { c++ } END { print c + 0 }", "a.txt"], ["{ n = n + 1 } /a|b/ { m++ }", "a.txt"]],
    refused: [
      ['BEGIN {system("touch x")}'], ['BEGIN {print "x" | "sh"}'], ['BEGIN {"date" | getline d}'], ['{print > "/tmp/out"}', "a.txt"], ['{print $1 >> "out"}', "a.txt"], ['{printf "%s", $1 > "out"}', "a.txt"],
      ['BEGIN {f = "system"; @f("touch x")}'], ['@load "filefuncs"'], ["-f", "prog.awk", "a.txt"], ["-e", 'BEGIN {system("x")}'], ["-W", "exec", "prog.awk"], ['BEGIN { "id" |& getline }'],
      ["{ s = $1 / 2 } /x/ { system(\"id\") }", "a"], ["--load=x"], ['{ x++ / system("id") / 1 }'], ['{ y = a[1] / system("id") / 2 }'], ["BEGIN {\n# /\nsystem(\"id\") }"],
    ],
  },
  find: {
    allowed: [[".", "-name", "*.md"], [".", "-type", "f", "-newermt", "2024-01-01", "-print0"], ["-L", ".", "-maxdepth", "2", "(", "-name", "a", "-o", "-name", "b", ")"], [".", "-name", "-exec"], [".", "-printf", "%p\\n"], [".", "!", "-path", "./.git/*"]],
    refused: [[".", "-exec", "touch", "x", ";"], [".", "-execdir", "sh", "{}", "+"], [".", "-ok", "rm", "{}", ";"], [".", "-delete"], [".", "-fprint", "/tmp/out"], [".", "-fprintf", "/tmp/out", "%p"], [".", "-fls", "/tmp/out"], [".", "-okdir", "x", ";"], [".", "-name", "a", "-bogus"]],
  },
  grep: {
    allowed: [["-rn", "TODO", "."], ["-e", "-x", "a.txt"], ["--include=*.ts", "-RIl", "foo"], ["-5", "x", "a.txt"], ["--ignore-c", "x", "a.txt"]],
    refused: [["--bogus", "x"], ["-Y", "x"]],
  },
  rg: {
    allowed: [["-n", "TODO"], ["--glob", "*.ts", "-e", "x"], ["-A3", "x"], ["--type=ts", "x"]],
    refused: [["--pre", "sh", "x"], ["--pre=sh", "x"], ["--pre-glob", "*", "x"], ["-z", "x"], ["-iz", "x"], ["--search-zip", "x"], ["--pr=sh", "x"]],
  },
  sort: {
    allowed: [["-nr", "a.txt"], ["-k2,2", "-t", ",", "a.csv"], ["--key=2", "a.txt"], ["-T", "tmp", "a.txt"], ["--temporary-directory=tmp", "a.txt"],
      // -o writes its file: judged as a write on the file system (check-writes.ts), not refused here.
      ["-o", "/home/u/.bashrc", "a.txt"], ["-o/tmp/x", "a.txt"], ["--output=x", "a.txt"], ["--out=x", "a.txt"]],
    refused: [["--compress-program=sh", "a.txt"], ["--compress-p=sh", "a.txt"],
      ["-T", "/tmp", "a.txt"], ["-T/tmp", "a.txt"], ["-nT", "/home/u", "a.txt"], ["--temporary-directory=/tmp", "a.txt"], ["--temp=../..", "a.txt"], ["-T", "../out", "a.txt"]],
  },
  ls: { allowed: [["-la"], ["--color=never", "-1", "src"], ["-lh", "--sort=size"]], refused: [["--bogus"]] },
  cat: { allowed: [["-n", "a.txt"], ["--show-all", "a.txt"]], refused: [["--bogus", "a.txt"]] },
  head: { allowed: [["-n", "5", "a.txt"], ["-5", "a.txt"], ["-c100", "a.txt"]], refused: [["--bogus", "a.txt"]] },
  tail: { allowed: [["-n", "+2", "a.txt"], ["-20", "a.txt"]], refused: [["--bogus", "a.txt"]] },
  wc: { allowed: [["-l", "a.txt"], ["--words", "a.txt"]], refused: [["-Z", "a.txt"]] },
  date: { allowed: [["+%Y-%m-%d"], ["-u", "-d", "@0"]], refused: [["-s", "2020-01-01"], ["--set=2020-01-01"], ["010100002020"]] },
  // uniq's second file is a write, judged on the file system (check-writes.ts).
  uniq: { allowed: [["-c", "a.txt"], ["a.txt", "/home/u/.bashrc"]], refused: [["--bogus", "a.txt"]] },
  xargs: { allowed: [[]], refused: [["sh", "-c", "touch x"], ["touch"]] },
  env: { allowed: [[]], refused: [["sh"], ["-i", "touch", "x"]] },
  timeout: { allowed: [[]], refused: [["5", "sh"]] },
  echo: { allowed: [["-n", "hello", "$HOME", ";", "rm", "-rf", "*"]], refused: [] },
};

for (const [program, lists] of Object.entries(cases)) {
  describe(program, () => {
    for (const args of lists.allowed) {
      test(`allowed: ${program} ${JSON.stringify(args)}`, () => {
        assert.equal(refusedArgument({ program, args }), undefined);
      });
    }
    for (const args of lists.refused) {
      test(`refused: ${program} ${JSON.stringify(args)}`, () => {
        const refusal = refusedArgument({ program, args });
        assert.ok(refusal, "refused");
        assert.ok(refusal.reason.length > 10 && refusal.argument.length > 0, JSON.stringify(refusal));
      });
    }
  });
}

describe("a program without a description", () => {
  test("takes only arguments that start with no dash", () => {
    assert.equal(refusedArgument({ program: "node", args: ["script.js", "input.txt"] }), undefined);
    assert.deepEqual(refusedArgument({ program: "node", args: ["script.js", "-e", "x"] }), {
      argument: "-e",
      reason: 'exec knows no options of node; arguments starting with "-" need tools.exec.allowUnknownOptions',
    });
    assert.equal(refusedArgument({ program: "make", args: ["--", "-x"] })?.argument, "--");
  });
  test("takes options once the config opts in", () => {
    assert.equal(refusedArgument({ program: "node", args: ["-e", "1"], allowUnknownOptions: true }), undefined);
  });
  test("a described program keeps its description whatever allowUnknownOptions says", () => {
    assert.equal(refusedArgument({ program: "sed", args: ["1e id"], allowUnknownOptions: true })?.reason, "the e command runs a shell command");
  });
});

test("the refusal names the option an abbreviation stands for, and why", () => {
  assert.deepEqual(refusedArgument({ program: "tar", args: ["-xf", "a.tar", "--to-com=sh"] }), { argument: "--to-com=sh", reason: "--to-com (short for --to-command): it runs other programs" });
  assert.deepEqual(refusedArgument({ program: "git", args: ["grep", "-Oid", "x"] }), { argument: "-Oid", reason: "git grep: -O: it runs other programs" });
  assert.match(refusedArgument({ program: "git", args: ["difftool", "-x", "id"] })?.reason ?? "", /^git difftool is not run by exec, and no setting allows it: exec runs only git's subcommands that read a repository or fetch one over http\(s\): status, log, /);
  // Names Object.prototype answers for (a table lookup would take them for entries) are no subcommand, primary or option.
  for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
    assert.match(refusedArgument({ program: "git", args: [name] })?.reason ?? "", new RegExp(`^git ${name} is not run by exec`), name);
    // The primary after it is checked too (an arity read off Object.prototype ended the walk and passed -exec).
    assert.match(refusedArgument({ program: "find", args: [".", `-${name}`, "-exec", "rm", "-rf", "x", ";"] })?.reason ?? "", new RegExp(`^-${name}`), name);
    assert.ok(refusedArgument({ program: "git", args: ["log", `--${name}`] }), `git log --${name}`);
  }
});

/**
 * The layering of docs/architecture.md, enforced: a folder imports only from its own layer or below.
 * L0 shared · L1 config, ai · L2 models, sessions, agent · L3 gateway · L4 channels, ops · L5 cli.
 */
const layers = [
  ["shared"],
  ["config", "ai"],
  ["models", "sessions", "agent"],
  ["gateway"],
  ["channels", "ops"],
  ["cli"],
];
const layerOf = (folder) => layers.findIndex((names) => names.includes(folder));
const above = (folder) => layers.slice(layerOf(folder) + 1).flat();

const forbidden = Object.keys(Object.fromEntries(layers.flat().map((name) => [name, true])))
  .filter((folder) => above(folder).length > 0)
  .map((folder) => ({
    name: `${folder}-imports-upward`,
    comment: `src/${folder} is in layer L${layerOf(folder)}; it may not import from ${above(folder).join(", ")}`,
    severity: "error",
    from: { path: `^src/${folder}/` },
    to: { path: `^src/(${above(folder).join("|")})/` },
  }));

module.exports = {
  forbidden: [
    ...forbidden,
    {
      name: "same-layer-l1",
      comment: "config and ai are independent: ai knows nothing of the config file, config only of ai's plain types",
      severity: "error",
      from: { path: "^src/ai/" },
      to: { path: "^src/config/" },
    },
    {
      name: "core-imports-adapter",
      comment: "core never imports a wire protocol adapter; the composition root (src/cli) registers them",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/(cli|ai/providers)/" },
      to: { path: "^src/ai/providers/" },
    },
    {
      name: "channels-import-each-other",
      comment: "a channel never imports another channel",
      severity: "error",
      from: { path: "^src/channels/([^/]+)/" },
      to: { path: "^src/channels/", pathNot: "^src/channels/$1/" },
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-test-code-in-src",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(test|bench)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};

import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "schema/", ".bench-tmp/"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: globals.node },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": "error",
    },
  },
  {
    // `import * as z from "zod"`: the CLI bundle (scripts/build-cli.mjs) then keeps only the zod it uses;
    // `import { z }` takes zod's object holding every export (all locales…), ~550 KB more to load at each start.
    files: ["src/**/*.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "ImportDeclaration[source.value='zod'][importKind!='type'] > :matches(ImportSpecifier[imported.name='z'][importKind!='type'], ImportDefaultSpecifier)",
          message: 'import * as z from "zod": the CLI bundle tree-shakes zod only then (scripts/build-cli.mjs).',
        },
      ],
    },
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // The web chat page runs in the browser (bundled by scripts/build-web.mjs); its console is the browser's.
    files: ["src/channels/webchat/page/**"],
    languageOptions: { globals: globals.browser },
    rules: { "no-console": "off" },
  },
  {
    files: ["scripts/**", "bench/**", "test/**", "bin/**"],
    rules: { "no-console": "off" },
  },
);

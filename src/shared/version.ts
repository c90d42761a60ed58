/** hearth's version, as `--version`, /health and the gateway's log say it. */
export const VERSION = "0.1.0";

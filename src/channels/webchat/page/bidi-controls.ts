// The page shows direction controls as the terminal does (src/shared/bidi-controls.ts).
export { showBidiControls } from "../../../shared/bidi-controls.js";

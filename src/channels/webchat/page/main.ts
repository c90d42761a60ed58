import "uplot/dist/uPlot.min.css";
import "./styles.css";
import { startWebChat } from "./app.js";
import { createNarrowPanels } from "./narrow-panels.js";
import { followVisibleHeight } from "./visible-height.js";

createNarrowPanels(document.body);
followVisibleHeight(document.documentElement, window.visualViewport);

startWebChat().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const note = document.createElement("p");
  note.className = "note note-error";
  note.setAttribute("role", "alert");
  note.textContent = `The web chat could not start: ${message}`;
  document.getElementById("transcript")?.append(note);
});

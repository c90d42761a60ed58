import "uplot/dist/uPlot.min.css";
import "./styles.css";
import { startWebChat } from "./app.js";

startWebChat().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const note = document.createElement("p");
  note.className = "note note-error";
  note.setAttribute("role", "alert");
  note.textContent = `The web chat could not start: ${message}`;
  document.getElementById("transcript")?.append(note);
});

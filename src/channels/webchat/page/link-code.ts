import qrcode from "qrcode-generator";
import { element } from "./dom.js";

/** Pixels per QR module, and the quiet zone around the code in modules (the standard asks for 4). */
const CELL = 4;
const MARGIN = 4;

/**
 * The QR code a messaging channel shows while it waits to be linked, drawn on a canvas (no markup
 * from the server reaches the page), with what to do with it.
 */
export function linkCodeFigure(code: string): HTMLElement {
  const qr = qrcode(0, "L");
  qr.addData(code, "Byte");
  qr.make();
  const modules = qr.getModuleCount();
  const size = (modules + MARGIN * 2) * CELL;
  const canvas = element("canvas", { className: "channel-qr", attributes: { width: String(size), height: String(size), role: "img", "aria-label": "QR code to link WhatsApp", "data-modules": String(modules) } });
  const context = canvas.getContext("2d");
  if (context) {
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, size, size);
    context.fillStyle = "#000000";
    for (let row = 0; row < modules; row++) {
      for (let column = 0; column < modules; column++) {
        if (qr.isDark(row, column)) context.fillRect((column + MARGIN) * CELL, (row + MARGIN) * CELL, CELL, CELL);
      }
    }
  }
  const caption = element("figcaption", { text: "On your phone: WhatsApp → Settings → Linked devices → Link a device, and scan this code. It changes every 20 seconds or so." });
  return element("figure", { className: "channel-link", attributes: { "data-code-length": String(code.length) } }, canvas, caption);
}

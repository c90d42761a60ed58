// The channel contract (contract.ts) for WhatsApp, through the Baileys stand-in.
import { channelContract } from "./contract.js";
import { whatsAppDriver } from "./whatsapp-driver.js";

channelContract(whatsAppDriver);

// The channel contract (contract.ts) for the web chat, through the page's HTTP API and event stream on
// the real `bin/hearth gateway` process.
import { channelContract } from "./contract.js";
import { webChatDriver } from "./webchat-driver.js";

channelContract(webChatDriver);

/** The reason every answer cut off by the gateway's stop is aborted with: told apart from a client that went away (or a person's Stop). */
export class GatewayStopping extends Error {
  constructor() {
    super("the gateway is stopping");
    this.name = "GatewayStopping";
  }
}

/** Whether an abort was the gateway's stop (GatewayStopping), not the client leaving or a person stopping the turn. */
export function stoppedByGateway(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && signal.reason instanceof GatewayStopping;
}

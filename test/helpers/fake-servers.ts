// Fake model servers whose lives a describe block looks after: started before its tests and closed
// after them, or closed after each test that started them.
import { after, afterEach, before } from "node:test";
import { startFakeServer, type FakeServer, type Handler } from "../fakes/fake-server.js";

/**
 * One fake server a handler, named as the handlers are, started before the enclosing describe's tests
 * and closed after them. Each server object is given now and filled in when its server starts (so it
 * may be destructured here): read its fields inside tests and hooks.
 */
export function fakeServersForSuite<Name extends string>(handlers: Record<Name, Handler>): Record<Name, FakeServer> {
  const names = Object.keys(handlers) as Name[];
  const servers = Object.fromEntries(names.map((name) => [name, {} as FakeServer])) as Record<Name, FakeServer>;
  const started: FakeServer[] = [];
  before(async () => {
    for (const name of names) {
      const server = await startFakeServer(handlers[name]);
      started.push(server);
      Object.assign(servers[name], server);
    }
  });
  after(async () => {
    await Promise.all(started.splice(0).map((server) => server.close()));
  });
  return servers;
}

/** A list for the servers a test starts (push each one): all are closed after each test of the enclosing describe. */
export function serversClosedAfterEachTest(): FakeServer[] {
  const servers: FakeServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return servers;
}

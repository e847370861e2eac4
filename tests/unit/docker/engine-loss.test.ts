// engineLoss: after a run breaks off, a new connection tells a stopped engine from one that still answers.
import Docker from "dockerode";
import { createServer } from "node:http";
import type { Server } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { engineLoss } from "../../../orchestrator/docker/container-run.js";

const scratch = mkdtempSync(join(tmpdir(), "levitate-engine-loss-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function pingServer(socketPath: string): Promise<Server> {
  const server = createServer((request, response) => {
    response.writeHead(request.url?.endsWith("/_ping") ? 200 : 404, { "content-type": "text/plain" });
    response.end("OK");
  });
  return new Promise((resolve) => server.listen(socketPath, () => resolve(server)));
}

describe("engineLoss", () => {
  it("is null while the engine accepts new connections and answers its ping", async () => {
    const socketPath = join(scratch, "up.sock");
    const server = await pingServer(socketPath);
    try {
      expect(await engineLoss(new Docker({ socketPath }), `unix://${socketPath}`)).toBeNull();
    } finally {
      server.close();
    }
  });

  it("finds the socket through docker-modem's finder (the default engine's socketPath is a function)", async () => {
    const socketPath = join(scratch, "found.sock");
    const server = await pingServer(socketPath);
    try {
      const docker = new Docker({ socketPath });
      const modem = docker.modem as unknown as { socketPath: unknown };
      modem.socketPath = () => Promise.resolve(socketPath);
      expect(await engineLoss(docker, "E")).toBeNull();
    } finally {
      server.close();
    }
  });

  it("says nothing about the engine for an error that is not a lost connection", async () => {
    const docker = new Docker({ socketPath: join(scratch, "odd.sock") });
    (docker.modem as unknown as { getSocketPath: () => Promise<string> }).getSocketPath = () => Promise.reject(Object.assign(new TypeError("odd"), { code: "ERR_INVALID_ARG_TYPE" }));
    expect(await engineLoss(docker, "E")).toBeNull();
  });

  it("names the engine when its socket is gone", async () => {
    const socketPath = join(scratch, "gone.sock");
    expect(await engineLoss(new Docker({ socketPath }), `unix://${socketPath}`)).toBe(`the Docker engine at unix://${socketPath} stopped answering (its socket is gone)`);
  });

  it("does not trust a kept-alive connection: a closed listener counts as stopped", async () => {
    const socketPath = join(scratch, "closing.sock");
    const server = await pingServer(socketPath);
    const docker = new Docker({ socketPath });
    expect(await engineLoss(docker, "E")).toBeNull();
    // As a stopping dockerd does: no new connections, while open ones are still served.
    server.close();
    expect(await engineLoss(docker, "E")).toMatch(/^the Docker engine at E stopped answering \((its socket is gone|connection refused)\)$/);
    server.closeAllConnections();
  });
});

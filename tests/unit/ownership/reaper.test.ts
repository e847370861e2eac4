// The reaper removes containers of dead owners on this host and ended leases; it leaves live, foreign and ownerless ones.
import { describe, expect, it } from "vitest";
import { findOrphans, reapOrphans } from "../../../orchestrator/ownership/reaper.js";
import type { OwnedContainer } from "../../../orchestrator/ownership/reaper.js";
import { fakeHost } from "./fake-host.js";

const here = fakeHost("h1", { 10: "b-10" });
const c = (name: string, owner: string | null, role: string, state = "running"): OwnedContainer => ({
  id: `id-${name}`,
  name,
  state,
  labels: { "levitate-docker": "1", "levitate-docker.role": role, ...(owner === null ? {} : { "levitate-docker.owner": owner }) },
});

const containers = [
  c("live-stage", "h1/10/b-10", "stage"),
  c("dead-stage", "h1/11/b-11", "stage"),
  c("reused-pid", "h1/10/b-9", "stage"),
  c("foreign", "h2/11/b-11", "stage"),
  c("vm", null, "vm"),
  c("ended-lease", "h2/5/b-5", "lease", "exited"),
];

describe("reaper", () => {
  it("finds dead owners' containers and ended leases only", () => {
    expect(findOrphans(containers, here).map((o) => [o.container.name, o.why])).toEqual([
      ["dead-stage", "its owner (pid 11 on host h1) is gone"],
      ["reused-pid", "its owner (pid 10 on host h1) is gone"],
      ["ended-lease", "a lock whose holder ended"],
    ]);
  });

  it("removes them and says so; a failed removal is reported, not thrown", async () => {
    const removed: string[] = [];
    const messages: string[] = [];
    const client = {
      list: async () => containers,
      remove: async (id: string) => {
        if (id === "id-reused-pid") throw new Error("engine said no");
        removed.push(id);
      },
    };
    const result = await reapOrphans(client, { here, onMessage: (m) => messages.push(m) });
    expect(removed).toEqual(["id-dead-stage", "id-ended-lease"]);
    expect(result).toHaveLength(2);
    expect(messages).toEqual([
      "removed stage container dead-stage (running): its owner (pid 11 on host h1) is gone",
      "could not remove orphaned container reused-pid: engine said no",
      "removed lease container ended-lease (exited): a lock whose holder ended",
    ]);
  });
});

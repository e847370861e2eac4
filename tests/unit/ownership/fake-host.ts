// A host whose processes the test decides, and a lease backend kept in a map (as the engine keeps named containers).
import type { HostView } from "../../../orchestrator/ownership/owner.js";
import type { HeldLease, LeaseBackend, LeaseHolder } from "../../../orchestrator/ownership/lease.js";

export function fakeHost(host: string, processes: Record<number, string>): HostView {
  return {
    host,
    startOf: (pid) => processes[pid] ?? null,
    isAlive: (pid) => pid in processes,
  };
}

export class MapLeases implements LeaseBackend {
  readonly leases = new Map<string, LeaseHolder>();
  private next = 0;
  taken = 0;
  broken: string[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  async tryTake(name: string, labels: Readonly<Record<string, string>>): Promise<HeldLease | null> {
    if (this.leases.has(name)) return null;
    const id = `id${(this.next += 1)}`;
    this.leases.set(name, { id, state: "running", createdMs: this.now(), labels });
    this.taken += 1;
    return {
      name,
      release: async () => {
        if (this.leases.get(name)?.id === id) this.leases.delete(name);
      },
    };
  }

  async look(name: string): Promise<LeaseHolder | null> {
    return this.leases.get(name) ?? null;
  }

  async breakLease(id: string): Promise<void> {
    this.broken.push(id);
    for (const [name, holder] of this.leases) if (holder.id === id) this.leases.delete(name);
  }
}

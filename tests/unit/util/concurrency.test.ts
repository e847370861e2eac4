// limiter and allInOrder: reading files at once keeps a bound on open files, and results and errors in input order.
import { describe, expect, it } from "vitest";
import { allInOrder, limiter } from "../../../orchestrator/util/concurrency.js";

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("limiter", () => {
  it("never runs more than its limit at once, and runs every task", async () => {
    const limit = limiter(3);
    let running = 0;
    let most = 0;
    const task = (value: number) => async () => {
      running++;
      most = Math.max(most, running);
      for (let i = 0; i < (value % 4) + 1; i++) await tick();
      running--;
      return value * 2;
    };
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => limit(task(i))));
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(most).toBe(3);
  });

  it("gives a failed task's place to the next one", async () => {
    const limit = limiter(1);
    const failed = limit(async () => Promise.reject(new Error("unreadable")));
    const next = limit(async () => "read");
    await expect(failed).rejects.toThrow("unreadable");
    expect(await next).toBe("read");
  });
});

describe("allInOrder", () => {
  it("keeps the input order, whichever finishes first", async () => {
    const late = (async () => {
      await tick();
      await tick();
      return "first";
    })();
    expect(await allInOrder([late, Promise.resolve("second")])).toEqual(["first", "second"]);
  });

  it("rejects with the first failure in input order, not the first in time", async () => {
    const lateFailure = (async () => {
      await tick();
      await tick();
      throw new Error("a");
    })();
    await expect(allInOrder([lateFailure, Promise.reject(new Error("b"))])).rejects.toThrow("a");
  });
});

// --network and --publish: parsing, the errors for bad values, and how forwards are recorded and shown.
import { describe, expect, it } from "vitest";
import {
  describeForward,
  forwardsFromLabel,
  forwardsLabel,
  hostForwards,
  parseNetwork,
  parsePublishes,
} from "../../../orchestrator/vm/network.js";
import { explainNetworkError } from "../../../orchestrator/vm/vm-container-network.js";
import { UserError } from "../../../orchestrator/errors/errors.js";

describe("guest networking options", () => {
  it("defaults to user networking; none and host are the others", () => {
    expect(parseNetwork(undefined)).toBe("user");
    expect(parseNetwork("none")).toBe("none");
    expect(parseNetwork("host")).toBe("host");
    expect(() => parseNetwork("bridge")).toThrow("--network: expected one of none, user, host, got 'bridge'");
  });

  it("parses HOST:GUEST[/tcp|udp], tcp by default", () => {
    expect(parsePublishes(["8080:80", "5353:53/udp", "2222:22/tcp"], "user")).toEqual([
      { host: 8080, guest: 80, protocol: "tcp" },
      { host: 5353, guest: 53, protocol: "udp" },
      { host: 2222, guest: 22, protocol: "tcp" },
    ]);
  });

  it("refuses bad forms, ports out of range, a host port twice and forwards without a network", () => {
    const expected = "--publish: expected HOST:GUEST[/tcp|udp] with ports from 1 to 65535, like 8080:80, got";
    for (const bad of ["80", "8080:80/sctp", "0:80", "8080:65536", "127.0.0.1:8080:80", ""]) {
      expect(() => parsePublishes([bad], "user")).toThrow(`${expected} '${bad}'`);
    }
    expect(() => parsePublishes(["8080:80", "8080:81"], "user")).toThrow("--publish: host port 8080/tcp is published twice");
    expect(parsePublishes(["8080:80", "8080:80/udp"], "user")).toHaveLength(2);
    expect(() => parsePublishes(["8080:80"], "none")).toThrow("--publish needs guest networking, but --network is none");
  });

  it("gives QEMU hostfwd rules: container addresses for user, 127.0.0.1 for host", () => {
    const forwards = parsePublishes(["8080:80", "5353:53/udp"], "user");
    expect(hostForwards("user", forwards)).toEqual(["hostfwd=tcp::8080-:80", "hostfwd=udp::5353-:53"]);
    expect(hostForwards("host", forwards)).toEqual(["hostfwd=tcp:127.0.0.1:8080-:80", "hostfwd=udp:127.0.0.1:5353-:53"]);
  });

  it("records forwards in a label and shows them as vm status does", () => {
    const forwards = parsePublishes(["8080:80", "5353:53/udp"], "user");
    expect(forwardsLabel(forwards)).toBe("8080:80/tcp,5353:53/udp");
    expect(forwardsFromLabel(forwardsLabel(forwards))).toEqual(forwards);
    expect(forwardsFromLabel("")).toEqual([]);
    expect(forwards.map(describeForward)).toEqual(["127.0.0.1:8080->80/tcp", "127.0.0.1:5353->53/udp"]);
  });
});

describe("the engine's network errors, explained", () => {
  const forwards = parsePublishes(["8080:80"], "user");
  it("a missing default bridge and a port in use become errors that say what to do; others stay as they were", () => {
    const bridge = new Error("(HTTP code 500) server error - failed to create endpoint x on network bridge: could not find bridge docker0");
    const explained = explainNetworkError(bridge, "user", forwards);
    expect(explained).toBeInstanceOf(UserError);
    expect((explained as Error).message).toMatch(/default bridge network .*could not find bridge docker0.*restarting dockerd.*--network none/);
    const busy = new Error("(HTTP code 500) server error - Bind for 127.0.0.1:8080 failed: port is already allocated");
    expect((explainNetworkError(busy, "user", forwards) as Error).message).toBe(
      "--publish: a host port is already in use on 127.0.0.1 (8080/tcp): Bind for 127.0.0.1:8080 failed: port is already allocated; pick a free port",
    );
    const other = new Error("no such image");
    expect(explainNetworkError(other, "user", forwards)).toBe(other);
    expect(explainNetworkError(bridge, "none", [])).toBe(bridge);
  });
});

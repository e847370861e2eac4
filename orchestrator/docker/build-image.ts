// `docker build` through dockerode: the context as a tar stream, the classic builder's progress as log lines.
import type Docker from "dockerode";
import { followProgress } from "./follow-progress.js";
import { PLATFORM } from "./platform.js";
import { packInputs } from "./tar-inputs.js";
import type { BuildImageOptions } from "./types.js";
import { LABEL_TOOL } from "./types.js";

/** Builds and tags the image; a failure keeps the last lines of the build log in the error. */
export async function buildImage(docker: Docker, options: BuildImageOptions): Promise<void> {
  const context = packInputs(options.context);
  const stream = await docker.buildImage(context as unknown as NodeJS.ReadableStream, {
    t: options.tag,
    platform: PLATFORM,
    dockerfile: options.dockerfile ?? "Dockerfile",
    buildargs: { ...options.buildArgs },
    labels: { [LABEL_TOOL]: "1", ...options.labels },
    networkmode: options.network === "host" ? "host" : "default",
    rm: true,
    forcerm: true,
  } as Docker.ImageBuildOptions);
  const tail: string[] = [];
  await followProgress(docker, stream, `building image ${options.tag}`, {
    onEvent: (event) => {
      const text = event.stream ?? event.status ?? event.error ?? "";
      for (const line of text.split("\n")) {
        if (line.trim() === "") continue;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        options.onLog?.(line);
      }
    },
    details: () => tail.slice(-15),
    signal: options.signal,
  });
}

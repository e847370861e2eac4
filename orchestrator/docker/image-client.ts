// Images on the engine: look up by tag, build, list by label, remove, tag, push, pull.
import { buildImage } from "./build-image.js";
import { idempotent, orNullIfMissing } from "./docker-errors.js";
import type { Connect } from "./dockerode-util.js";
import { pullImage, pushImage, tagImage } from "./image-transfer.js";
import { labelFilter } from "./labels.js";
import type { BuildImageOptions, ImageClient, ImageSummary } from "./types.js";

export function imageClient(connect: Connect): ImageClient {
  const id = async (ref: string): Promise<string | null> => {
    const docker = await connect();
    return orNullIfMissing(async () => (await docker.getImage(ref).inspect()).Id);
  };
  return {
    id,
    async build(options: BuildImageOptions): Promise<string> {
      await buildImage(await connect(), options);
      const built = await id(options.tag);
      if (built === null) throw new Error(`image ${options.tag} was built but cannot be found`);
      return built;
    },
    async remove(ref: string): Promise<void> {
      const docker = await connect();
      await idempotent(() => docker.getImage(ref).remove({ force: true }));
    },
    async list(labels): Promise<ImageSummary[]> {
      const docker = await connect();
      const images = await docker.listImages({ filters: { label: labelFilter(labels) } });
      return images.map((i) => ({ id: i.Id, tags: i.RepoTags ?? [], sizeBytes: i.Size, labels: i.Labels ?? {} }));
    },
    tag: async (source, target) => tagImage(await connect(), source, target),
    push: async (ref, options = {}) => pushImage(await connect(), ref, options),
    pull: async (ref, options = {}) => pullImage(await connect(), ref, options),
  };
}

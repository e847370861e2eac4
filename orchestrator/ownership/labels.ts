// The labels every resource of ours carries: how the reaper, clean and the tests find what the tool made.
/** Present (value "1") on every container, volume and image the tool creates. */
export const LABEL_TOOL = "levitate-docker";
/** The run (one command) that created the resource. */
export const LABEL_RUN = "levitate-docker.run";
/** What the resource is for: stage, vm, lease, ... */
export const LABEL_ROLE = "levitate-docker.role";
/** The project (its volume prefix, LEVITATE_VOLUME_PREFIX) a stage container builds for. */
export const LABEL_PROJECT = "levitate-docker.project";

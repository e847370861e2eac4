// Shared facts for tests that need a real engine.
/** The local base image scripts/prepare-offline.sh imports (no registry needed). */
export const BASE_IMAGE = process.env.LEVITATE_BASE_IMAGE ?? "levitate/debian-base:bookworm";

// The init.d services OpenRC 0.54 installs on Linux, so runlevel names can be checked without building it.
//
// Taken from openrc-0.54.tar.gz (sha256 c84ff1d8e468c043fe136d11d3d34d6bb28328267d1352526a5d18cdf4c60fb0),
// init.d/meson.build: `init_common` + `init_Linux`, as built with -Dnewnet=false (so not
// network/staticroute). BSD-only scripts (syslogd, urandom, ...) are not installed on Linux.
// Update this list together with the pin of `sources.openrc`.

export const OPENRC_VERSION = "0.54";

/** Installed by OpenRC but removed by images/stages/openrc.sh (netmount needs a `net` service that -Dnewnet=false does not install). */
export const OPENRC_DROPPED_SERVICES: readonly string[] = ["netmount"];

export const OPENRC_LINUX_SERVICES: ReadonlySet<string> = new Set([
  // init_common
  "bootmisc",
  "fsck",
  "hostname",
  "local",
  "localmount",
  "loopback",
  "osclock",
  "root",
  "savecache",
  "swap",
  "swclock",
  "sysctl",
  "runsvdir",
  "s6-svscan",
  // init_Linux
  "agetty",
  "binfmt",
  "cgroups",
  "consolefont",
  "devfs",
  "dmesg",
  "hwclock",
  "keymaps",
  "killprocs",
  "modules",
  "mount-ro",
  "mtab",
  "numlock",
  "procfs",
  "net-online",
  "save-keymaps",
  "save-termencoding",
  "seedrng",
  "sysfs",
  "termencoding",
]);

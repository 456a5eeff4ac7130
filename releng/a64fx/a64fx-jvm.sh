#!/bin/sh
# Kumiki: builds an emulated Fujitsu A64FX Java runtime (ARMv8.2-A, 512-bit SVE) on an x86_64 Debian 12 host,
# from Debian's own archive only, into DEST; nothing is installed system-wide.
#   usage: a64fx-jvm.sh DEST [17|21|25]        (default 25)
# Afterwards DEST/bin/java runs an arm64 OpenJDK under qemu-user with `-cpu a64fx`:
#   - /proc/cpuinfo reads 'CPU implementer : 0x46', 'CPU part : 0x001', Features ... sve
#   - FloatVector.SPECIES_PREFERRED is 512 bits; /proc/self/auxv AT_HWCAP has bit 22 (SVE)
#   - A64FX_QEMU_CPU overrides the CPU, e.g. 'a64fx,sve-default-vector-length=32' (256-bit), 'cortex-a72' (no SVE)
# Emulation is 15-100x slower for floating point and says nothing about real A64FX speed:
# use it for correctness of the A64FX code path, not for timing. Compile on the host.
# Kumiki's "a64fx" Maven profile (bundles/dev.kumiki.tensor) runs this and forks HardwareProfileOnEmulatedA64fxTest into it.
set -eu
DEST=$(realpath -m "${1:?usage: $0 DEST [17|21|25]}"); JDK=${2:-25}
case "$JDK" in 17) SUITE=bookworm;; 21|25) SUITE=trixie;; *) echo "JDK must be 17, 21 or 25" >&2; exit 2;; esac
[ -x "$DEST/bin/java" ] && { echo "already there: $DEST/bin/java"; exit 0; }
# the host's own Debian mirrors, as configured in its apt sources
SRC=/etc/apt/sources.list.d/debian.sources
MAIN=$(awk '/^URIs:/{print $2}' "$SRC" | grep -v security | head -1)
SEC=$(awk '/^URIs:/{print $2}' "$SRC" | grep security | head -1)
[ -n "$MAIN" ] || { echo "cannot read the Debian mirror from $SRC" >&2; exit 1; }
A="$DEST/apt"; mkdir -p "$A/lists/partial" "$A/cache" "$DEST/debs" "$DEST/sysroot" "$DEST/qemu" "$DEST/bin"
{
  echo "deb [arch=arm64] $MAIN $SUITE main"
  echo "deb [arch=arm64] $MAIN $SUITE-updates main"
  [ -n "$SEC" ] && echo "deb [arch=arm64] $SEC $SUITE-security main"
  echo "deb [arch=amd64] $MAIN bookworm-backports main"
} > "$A/sources.list"
: > "$A/status"
cat > "$A/apt.conf" <<EOS
Dir::Etc::SourceList "$A/sources.list"; Dir::Etc::SourceParts "$A/none";
Dir::State::Lists "$A/lists"; Dir::State::status "$A/status"; Dir::Cache "$A/cache";
APT::Architecture "arm64"; APT::Architectures { "arm64"; "amd64"; }; Debug::NoLocking "true";
APT::Sandbox::User "root";
EOS
export APT_CONFIG="$A/apt.conf"
apt-get -qq update
cd "$DEST/debs"
# qemu-user 10 (bookworm-backports) emulates an A64FX /proc/cpuinfo; qemu 7.2 shows the host's
apt-get -qq download qemu-user:amd64/bookworm-backports
apt-get -qq download openjdk-$JDK-jre-headless:arm64 libc6:arm64 zlib1g:arm64 libstdc++6:arm64 libgcc-s1:arm64
dpkg -x qemu-user_*_amd64.deb "$DEST/qemu"
find "$DEST/qemu/usr/bin" ! -type d ! -name qemu-aarch64 -delete; rm -rf "$DEST/qemu/usr/share"
for f in *_arm64.deb *_all.deb; do [ -e "$f" ] && dpkg -x "$f" "$DEST/sysroot"; done
R="$DEST/sysroot"
# absolute symlinks (conf/ -> /etc/java-NN-openjdk/...) must resolve inside the sysroot, not on the host
find "$R" -type l -lname '/*' | while read -r l; do
  ln -sfn "$(realpath -m --relative-to="$(dirname "$l")" "$R$(readlink "$l")")" "$l"; done
[ -e "$R/lib" ] || ln -s usr/lib "$R/lib"          # PT_INTERP is /lib/ld-linux-aarch64.so.1
# the trust store is made by a maintainer script that dpkg -x does not run; the host's is arch-independent
if [ -f /etc/ssl/certs/java/cacerts ]; then mkdir -p "$R/etc/ssl/certs/java"; cp /etc/ssl/certs/java/cacerts "$R/etc/ssl/certs/java/"; fi
cat > "$DEST/bin/java" <<EOS
#!/bin/sh
# arm64 OpenJDK $JDK under qemu-user emulating a Fujitsu A64FX; A64FX_QEMU_CPU overrides the CPU model.
export QEMU_LD_PREFIX="$R" QEMU_CPU="\${A64FX_QEMU_CPU:-a64fx}"
exec "$DEST/qemu/usr/bin/qemu-aarch64" "$R/usr/lib/jvm/java-$JDK-openjdk-arm64/bin/java" \\
     -Djdk.lang.Process.launchMechanism=FORK "\$@"
EOS
chmod +x "$DEST/bin/java"
cp "$R/usr/lib/jvm/java-$JDK-openjdk-arm64/release" "$DEST/release"
rm -rf "$DEST/debs" "$A"
"$DEST/bin/java" -Xlog:os+cpu -version 2>&1 | grep -E 'CPU: total|version'

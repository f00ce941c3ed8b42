"""Unpacks packages of a Debian suite into a directory, without installing them on this system.

Usage: debian-unpack.py <mirror> <suite> <dest> <package>...

The suite's InRelease is checked with gpgv against the system's Debian archive keyring, Packages.xz against
the SHA256 InRelease gives, and every .deb against the SHA256 Packages gives; each .deb is then extracted
(`dpkg-deb -x`) into <dest>. Prints `<package> <version>` per package. Used for a server that the system's own
release does not ship (MySQL on Debian 12); its binaries run with the suite's own loader and libraries.
"""

import hashlib
import lzma
import os
import re
import subprocess
import sys
import tempfile
import urllib.request

KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
ARCH = "amd64"


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as response:
        return response.read()


def verified_release(mirror: str, suite: str, work: str) -> str:
    path = os.path.join(work, "InRelease")
    with open(path, "wb") as f:
        f.write(fetch(f"{mirror}/dists/{suite}/InRelease"))
    check = subprocess.run(["gpgv", "--keyring", KEYRING, path], capture_output=True, text=True)
    if check.returncode != 0:
        sys.exit(f"{mirror}/dists/{suite}/InRelease: signature not verified by {KEYRING}:\n{check.stderr}")
    with open(path, encoding="utf-8") as f:
        return f.read()


def sha256_of(release: str, name: str) -> str:
    section = release.split("\nSHA256:\n", 1)[1]
    for line in section.splitlines():
        if not line.startswith(" "):
            break
        digest, _size, file = line.split()
        if file == name:
            return digest
    sys.exit(f"InRelease lists no {name}")


def packages(mirror: str, suite: str, release: str) -> dict[str, dict[str, str]]:
    name = f"main/binary-{ARCH}/Packages.xz"
    data = fetch(f"{mirror}/dists/{suite}/{name}")
    if hashlib.sha256(data).hexdigest() != sha256_of(release, name):
        sys.exit(f"{name} of {suite} does not match its SHA256 in InRelease")
    out: dict[str, dict[str, str]] = {}
    for block in lzma.decompress(data).decode("utf-8").split("\n\n"):
        fields = dict(re.findall(r"^([A-Za-z0-9-]+): (.*)$", block, re.M))
        if "Package" in fields:
            out.setdefault(fields["Package"], fields)
    return out


def main() -> None:
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    mirror, suite, dest, wanted = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3], sys.argv[4:]
    with tempfile.TemporaryDirectory() as work:
        release = verified_release(mirror, suite, work)
        index = packages(mirror, suite, release)
        missing = [p for p in wanted if p not in index]
        if missing:
            sys.exit(f"{suite} has no package {', '.join(missing)}")
        os.makedirs(dest, exist_ok=True)
        for name in wanted:
            fields = index[name]
            deb = os.path.join(work, os.path.basename(fields["Filename"]))
            data = fetch(f"{mirror}/{fields['Filename']}")
            if hashlib.sha256(data).hexdigest() != fields["SHA256"]:
                sys.exit(f"{fields['Filename']} does not match its SHA256 in Packages")
            with open(deb, "wb") as f:
                f.write(data)
            subprocess.run(["dpkg-deb", "-x", deb, dest], check=True)
            os.remove(deb)
            print(f"{name} {fields['Version']}")


if __name__ == "__main__":
    main()

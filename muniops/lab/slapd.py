"""Debian's OpenLDAP ``slapd`` on 127.0.0.1 with a throwaway directory: a private
``slapd.conf`` and an MDB database in a temporary folder, loaded with ``slapadd`` before
it starts (never the system service). People under ``ou=people``, groups of names under
``ou=groups``, as a city's directory keeps them."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from muniops.lab.net import free_port, stop, tcp_open, wait_until

SLAPD = os.environ.get("MUNIOPS_SLAPD", "/usr/sbin/slapd")
SLAPADD = os.environ.get("MUNIOPS_SLAPADD", "/usr/sbin/slapadd")
SUFFIX = "dc=city,dc=example"
ROOT_DN = f"cn=admin,{SUFFIX}"


def available() -> bool:
    return Path(SLAPD).exists() and Path(SLAPADD).exists()


@dataclass(frozen=True)
class Directory:
    url: str
    suffix: str
    root_dn: str
    root_password: str

    def user_dn(self, uid: str) -> str:
        return f"uid={uid},ou=people,{self.suffix}"

    def group_dn(self, cn: str) -> str:
        return f"cn={cn},ou=groups,{self.suffix}"


def _conf(folder: Path, password: str) -> str:
    schema = "/etc/ldap/schema"
    return "\n".join([
        *(f"include {schema}/{name}.schema" for name in ("core", "cosine", "inetorgperson")),
        f"pidfile {folder}/slapd.pid",
        "modulepath /usr/lib/ldap", "moduleload back_mdb",
        "database mdb", f"suffix \"{SUFFIX}\"", f"rootdn \"{ROOT_DN}\"",
        f"rootpw {password}", f"directory {folder}/db", "maxsize 10485760",
        # people may read the groups (to learn their role) but nobody reads passwords
        "access to attrs=userPassword by self =xw by anonymous auth by * none",
        "access to * by users read by * none", ""])


def _ldif(people: Mapping[str, str], groups: Mapping[str, Sequence[str]]) -> str:
    out = [f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: city\n"
           "o: City\n",
           f"dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people\n",
           f"dn: ou=groups,{SUFFIX}\nobjectClass: organizationalUnit\nou: groups\n"]
    for uid, password in people.items():
        out.append(f"dn: uid={uid},ou=people,{SUFFIX}\nobjectClass: inetOrgPerson\n"
                   f"uid: {uid}\ncn: {uid}\nsn: {uid}\nuserPassword: {password}\n")
    for cn, members in groups.items():
        lines = "".join(f"member: uid={m},ou=people,{SUFFIX}\n" for m in members)
        out.append(f"dn: cn={cn},ou=groups,{SUFFIX}\nobjectClass: groupOfNames\ncn: {cn}\n"
                   f"{lines}")
    return "\n".join(out)


@contextmanager
def running_slapd(people: Mapping[str, str], groups: Mapping[str, Sequence[str]],
                  timeout: float = 20) -> Iterator[Directory]:
    """A directory holding ``people`` (uid → password) and ``groups`` (cn → member uids)."""
    folder = Path(tempfile.mkdtemp(prefix="muniops-slapd-"))
    password = "root-" + os.urandom(6).hex()
    try:
        (folder / "db").mkdir()
        conf = folder / "slapd.conf"
        conf.write_text(_conf(folder, password))
        (folder / "data.ldif").write_text(_ldif(people, groups))
        subprocess.run([SLAPADD, "-f", str(conf), "-l", str(folder / "data.ldif")],
                       check=True, capture_output=True)
        port = free_port()
        url = f"ldap://127.0.0.1:{port}"
        log = (folder / "slapd.log").open("wb")
        # -d 0: stay in the foreground (so stop() ends it), logging nothing but errors
        proc = subprocess.Popen([SLAPD, "-f", str(conf), "-h", f"{url}/", "-d", "0"],
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            def ready() -> bool:
                if proc.poll() is not None:
                    said = (folder / "slapd.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"slapd exited with {proc.returncode}: {said}")
                return tcp_open(port)
            wait_until(ready, timeout=timeout, what="slapd")
            yield Directory(url, SUFFIX, ROOT_DN, password)
        finally:
            stop(proc)
            log.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)

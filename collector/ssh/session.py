"""One SSH session to one device: ``send_command`` and nothing else.

netmiko drives network devices (prompts, paging, enable mode); paramiko runs commands on
Linux servers. Every library exception is turned into an ``SshError`` here, so the rest of
muniops never imports either library."""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from types import TracebackType
from typing import Any

import paramiko
from netmiko import ConnectHandler
from netmiko.exceptions import (
    NetmikoAuthenticationException,
    NetmikoTimeoutException,
    ReadException,
    ReadTimeout,
)

from muniops.collector.ssh.errors import (
    AuthFailed,
    DeviceTimeout,
    DeviceUnreachable,
    Disconnected,
    SshError,
    UnexpectedPrompt,
    UnknownPlatform,
)
from muniops.collector.ssh.platforms import Platform, get_platform
from muniops.collector.ssh.target import SshSession, SshTarget

log = logging.getLogger(__name__)


def _tcp(target: SshTarget) -> socket.socket:
    """Open the TCP connection ourselves so refused and silent hosts are told apart."""
    try:
        return socket.create_connection((target.host, target.port), timeout=target.timeout)
    except TimeoutError:
        raise DeviceTimeout(target.name, f"no TCP answer from port {target.port} within "
                                         f"{target.timeout:.0f}s") from None
    except OSError as exc:
        raise DeviceUnreachable(target.name, f"TCP port {target.port}: "
                                             f"{exc.strerror or type(exc).__name__}") from None


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


class NetmikoSession:
    """A network device's CLI through netmiko."""

    def __init__(self, target: SshTarget, platform: Platform) -> None:
        self.name = target.name
        self.timeout = target.timeout
        sock = _tcp(target)
        login = target.login
        try:
            self.conn = ConnectHandler(
                device_type=platform.device_type, host=target.host, port=target.port,
                username=login.username, password=_secret(login.password) or "",
                secret=_secret(login.enable_secret) or "",
                key_file=str(login.key_file) if login.key_file else None,
                use_keys=login.key_file is not None, allow_agent=False, sock=sock,
                conn_timeout=target.timeout, banner_timeout=target.timeout,
                auth_timeout=target.timeout, read_timeout_override=target.timeout,
                fast_cli=True,
            )
            if platform.enable and login.enable_secret is not None:
                self.conn.enable()
            # the login is bounded by the target's timeout; each command by its own
            self.conn.read_timeout_override = None
        except NetmikoAuthenticationException:
            sock.close()
            raise AuthFailed(target.name, f"the device refused user {login.username!r}") from None
        except NetmikoTimeoutException as exc:
            sock.close()
            raise DeviceTimeout(target.name, _first_line(exc, "no SSH answer in time")) from None
        except ReadTimeout:
            sock.close()
            raise UnexpectedPrompt(target.name, "no recognisable prompt after login") from None
        except ValueError as exc:  # netmiko: "Router prompt not found", enable failed
            sock.close()
            raise UnexpectedPrompt(target.name, _first_line(exc, "unexpected prompt")) from None
        except (OSError, EOFError, paramiko.SSHException) as exc:
            sock.close()
            raise Disconnected(target.name, f"closed during login ({type(exc).__name__})") \
                from None

    def send_command(self, command: str, *, timeout: float | None = None) -> str:
        try:
            out = self.conn.send_command(command, read_timeout=timeout or self.timeout,
                                         strip_prompt=True, strip_command=True)
            return str(out)
        except ReadTimeout:
            raise DeviceTimeout(self.name, f"no prompt after {command!r} within "
                                           f"{timeout or self.timeout:.0f}s") from None
        except ReadException:
            raise UnexpectedPrompt(self.name, f"could not split the output of {command!r} "
                                              "at the prompt") from None
        except (OSError, EOFError, paramiko.SSHException) as exc:
            raise Disconnected(self.name, f"session closed during {command!r} "
                                          f"({type(exc).__name__})") from None

    def close(self) -> None:
        with contextlib.suppress(OSError, EOFError, paramiko.SSHException):
            self.conn.disconnect()  # an error here means it is already gone


class ParamikoSession:
    """A Linux server: each command runs in its own exec channel, no prompt to parse."""

    def __init__(self, target: SshTarget) -> None:
        self.name = target.name
        self.timeout = target.timeout
        sock = _tcp(target)
        login = target.login
        self.client = paramiko.SSHClient()
        # host keys are not pinned yet: accept and remember within this session only
        self.client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        try:
            self.client.connect(
                target.host, port=target.port, username=login.username,
                password=_secret(login.password),
                key_filename=str(login.key_file) if login.key_file else None,
                timeout=target.timeout, banner_timeout=target.timeout,
                auth_timeout=target.timeout, look_for_keys=False, allow_agent=False, sock=sock,
            )
        except paramiko.AuthenticationException:
            self.client.close()
            raise AuthFailed(target.name, f"the server refused user {login.username!r}") from None
        except (TimeoutError, paramiko.SSHException) as exc:
            self.client.close()
            raise DeviceTimeout(target.name, _first_line(exc, "no SSH answer in time")) from None
        except (OSError, EOFError) as exc:
            self.client.close()
            raise Disconnected(target.name, f"closed during login ({type(exc).__name__})") \
                from None

    def send_command(self, command: str, *, timeout: float | None = None) -> str:
        limit = timeout or self.timeout
        try:
            _, stdout, _ = self.client.exec_command(command, timeout=limit)
            out = stdout.read().decode("utf-8", errors="replace")
            status = stdout.channel.recv_exit_status()
        except TimeoutError:
            raise DeviceTimeout(self.name, f"{command!r} gave no output within "
                                           f"{limit:.0f}s") from None
        except (OSError, EOFError, paramiko.SSHException) as exc:
            raise Disconnected(self.name, f"session closed during {command!r} "
                                          f"({type(exc).__name__})") from None
        if status == -1:  # the channel closed without an exit status: output is cut short
            raise Disconnected(self.name, f"session closed before {command!r} finished")
        if status != 0:
            log.info("%s: %r exited with status %d", self.name, command, status)
        return out

    def close(self) -> None:
        self.client.close()


def _first_line(exc: BaseException, fallback: str) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else fallback


class Connection:
    """``with Connection(target) as s: s.send_command(...)``; logs one line per session."""

    def __init__(self, target: SshTarget) -> None:
        self.target = target
        self.session: SshSession | None = None
        self.started = 0.0

    def __enter__(self) -> SshSession:
        self.started = time.monotonic()
        try:
            platform = get_platform(self.target.platform)
        except ValueError as exc:
            raise UnknownPlatform(self.target.name, str(exc)) from None
        try:
            self.session = (ParamikoSession(self.target) if platform.driver == "paramiko"
                            else NetmikoSession(self.target, platform))
        except SshError as exc:
            log.info("ssh %s %s:%d failed after %.2fs: %s", self.target.name, self.target.host,
                     self.target.port, time.monotonic() - self.started, exc.cause)
            raise
        return self.session

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.session is not None:
            self.session.close()
        log.info("ssh %s %s:%d done in %.2fs%s", self.target.name, self.target.host,
                 self.target.port, time.monotonic() - self.started,
                 f" ({exc.cause})" if isinstance(exc, SshError) else "")

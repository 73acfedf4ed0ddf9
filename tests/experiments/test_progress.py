"""Progress: the sweep's bar reports the true rate and time left; runs say what they are doing.

- the sweep bar, driven by a fake clock and known advances, renders ``done/total``, a rate
  within 10 % of (scenarios done in this call) / (wall time since it started), the elapsed
  time and time left = remaining / that rate, each with its label; a resumed sweep does
  not count the scenarios it found done; off a terminal it prints plain lines;
- the listener of ``progress=True`` prints plain lines off a terminal and shows a spinner
  on one; ``experiments.run`` is quiet unless asked, and with a callback hears the
  spin-up or cache, the compilation and the simulation, each step with its time.
"""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

import experiments
from experiments import _homeostasis as homeostasis
from experiments._activity import StderrLines, reporting, say, step
from experiments.errors import InputError
from experiments.sweep._progress import ProgressBar, format_duration, progress_line

PATTERN = re.compile(r"(\d+)/(\d+) scenarios · (\S+) scenarios/s · elapsed (\d+):(\d\d):(\d\d) · left (\S+)")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Clock:
    """A clock the test moves (seconds)."""

    def __init__(self, t: float = 1000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


def parse(text: str) -> dict:
    """The numbers of the last progress line in ``text``."""
    found = PATTERN.findall(text)
    assert found, f"no progress line in {text!r}"
    done, total, rate, h, m, s, left = found[-1]
    seconds = lambda hms: None if hms == "–" else sum(int(x) * f for x, f in zip(hms.split(":"), (3600, 60, 1)))  # noqa: E731
    return {"done": int(done), "total": int(total), "rate": None if rate == "–" else float(rate),
            "elapsed": int(h) * 3600 + int(m) * 60 + int(s), "left": seconds(left)}


def plain_console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=False, width=200), out


def drive(bar: ProgressBar, clock: Clock, steps) -> None:
    for at, n in steps:  # (seconds since the start, scenarios done then)
        clock.t = bar.started + at
        bar.advance(n)


def test_rate_is_done_over_wall_time_and_left_follows_from_it():
    clock = Clock()
    console, out = plain_console()
    bar = ProgressBar(100, 0, True, "s", clock=clock, console=console, every_s=0)
    assert parse(bar.line()) == {"done": 0, "total": 100, "rate": None, "elapsed": 0, "left": None}
    # a slow first batch (spin-up, compilation), then batches in jumps
    drive(bar, clock, [(140.0, 4), (150.0, 4), (152.0, 4), (350.0, 8)])
    got = parse(out.getvalue())  # the line printed at the last advance
    true_rate = 20 / 350.0
    assert got["done"] == 20 and got["total"] == 100 and got["elapsed"] == 350
    assert got["rate"] == pytest.approx(true_rate, rel=0.10)
    assert got["left"] == pytest.approx(80 / true_rate, abs=1.0)
    # between batches the numbers keep moving with the clock
    clock.t = bar.started + 700.0
    later = parse(bar.line())
    assert later["rate"] == pytest.approx(20 / 700.0, rel=0.10) and later["left"] == pytest.approx(80 / (20 / 700.0), abs=1.0)
    bar.close()


def test_a_resumed_sweep_does_not_count_what_was_done_before():
    clock = Clock()
    console, out = plain_console()
    bar = ProgressBar(100, 60, True, "s", clock=clock, console=console)
    drive(bar, clock, [(20.0, 10)])
    got = parse(out.getvalue())
    assert got["done"] == 70 and got["rate"] == pytest.approx(10 / 20.0, rel=0.10)
    assert got["left"] == pytest.approx(30 / 0.5, abs=1.0)
    bar.close()


def test_plain_lines_off_a_terminal_at_most_every_so_often_and_the_last_one_always():
    clock = Clock()
    console, out = plain_console()
    with ProgressBar(10, 0, True, "sweep_name", clock=clock, console=console, every_s=10.0) as bar:
        drive(bar, clock, [(1.0, 2), (2.0, 2), (3.0, 2), (15.0, 2), (16.0, 1)])
    text = out.getvalue()
    assert "\x1b" not in text
    lines = text.strip().splitlines()
    assert [parse(line)["done"] for line in lines] == [2, 8, 9]  # 4 and 6 fell within 10 s of the 2
    assert all(line.startswith("sweep_name: ") for line in lines)
    with ProgressBar(10, 0, True, "s", clock=clock, console=console) as bar:
        drive(bar, clock, [(1.0, 10)])  # done: printed once, not again by close
    assert [parse(line)["done"] for line in out.getvalue().strip().splitlines()[3:]] == [10]


def test_on_a_terminal_the_bar_shows_the_same_line():
    clock = Clock()
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=200)
    bar = ProgressBar(50, 0, True, "s", clock=clock, console=console)
    drive(bar, clock, [(30.0, 5), (60.0, 10)])
    bar._progress.refresh()
    got = parse(ANSI.sub("", out.getvalue()))
    assert got["done"] == 15 and got["rate"] == pytest.approx(15 / 60.0, rel=0.10)
    assert got["left"] == pytest.approx(35 / (15 / 60.0), abs=1.0)
    bar.close()


def test_labels_and_durations():
    line = progress_line(12, 100, 12, 350.0)
    assert line == "12/100 scenarios · 0.0343 scenarios/s · elapsed 0:05:50 · left 0:42:47"
    assert format_duration(3 * 3600 + 61.4) == "3:01:01" and format_duration(None) == "–"
    assert progress_line(100, 100, 40, 10.0).endswith("left 0:00:00")


def test_a_disabled_bar_prints_nothing(capsys):
    with ProgressBar(10, 0, False, "s") as bar:
        bar.advance(5)
        bar.say("x")
    assert capsys.readouterr() == ("", "")


# --------------------------------------------------------------------------- what a run says


def test_lines_off_a_terminal_are_plain_and_a_terminal_gets_a_spinner():
    console, out = plain_console()
    clock = Clock()
    lines = StderrLines(console, clock)
    lines("spinning up…")
    clock.t += 12.34
    lines("spun up in 12.3 s")
    assert out.getvalue().splitlines() == ["[    0.0 s] spinning up…", "[   12.3 s] spun up in 12.3 s"]
    tty = io.StringIO()
    lines = StderrLines(Console(file=tty, force_terminal=True, width=120), clock)
    lines("compiling…")
    assert lines._spinner is not None  # an open step: a spinner with its running time
    lines("compiled in 1.0 s")
    assert lines._spinner is None
    lines("simulating…")
    lines.close()
    assert lines._spinner is None and "compiled in 1.0 s" in ANSI.sub("", tty.getvalue())


def test_the_innermost_listener_hears_and_none_keeps_the_outer_one():
    outer, inner = [], []
    say("nobody listens")
    with reporting(outer.append):
        with reporting(None):
            say("a")
        with reporting(inner.append):
            with step("working", "worked") as s:
                s.done = "worked well"
        say("b")
    assert outer == ["a", "b"]
    assert inner[0] == "working…" and re.fullmatch(r"worked well in \d+\.\d s", inner[1])
    with pytest.raises(InputError, match=r"^progress: 'yes' is not a progress setting; allowed: True"):
        with reporting("yes"):
            pass


RUN = {"skin": "young_face", "grid": {"lateral": "column", "dt_hours": 1}, "save": {"every_hours": 24},
       "duration_days": 2}


def test_a_run_is_quiet_unless_asked_and_says_each_step_with_its_time(capfd, monkeypatch):
    # as in a fresh process: the homeostasis is spun up or read from the cache file, and
    # said (a process says it once; other tests may have loaded it already)
    monkeypatch.setattr(homeostasis, "_LOADED", {})
    monkeypatch.setattr(homeostasis, "_WRITTEN", set())
    heard: list[str] = []
    ds = experiments.run(RUN, progress=heard.append)
    steps = [line for line in heard if line.endswith("…")]
    assert [s.split()[0] for s in steps[-2:]] == ["compiling", "simulating"], heard
    assert "simulating 2 days (" in steps[-1]
    assert any("homeostasis of young_face on a single column" in line for line in heard), heard
    ends = [line for line in heard if not line.endswith("…") and "homeostasis" not in line]
    assert ends and all(re.search(r" in \d+\.\d s$", line) for line in ends), heard
    assert heard[-1].startswith("simulated in ")
    capfd.readouterr()
    quiet = experiments.run(RUN)
    assert capfd.readouterr() == ("", "")
    assert quiet["tewl"].equals(ds["tewl"])

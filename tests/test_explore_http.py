"""The explorer's server and JSON API over real HTTP, without a browser."""

from __future__ import annotations

import ast
import io
import json
import math
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from importlib import resources
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest
from _browser import running_server

import slopes
import slopes.explore._problem
from slopes.explore import OPTIMIZERS, make_server, serve
from slopes.expr import ExpressionError, compile_expression

ROOT = Path(__file__).resolve().parents[1]


def _no_nan(text: str) -> None:
    raise AssertionError(f"non-standard JSON constant {text} in a response")


def get(server, target, headers=None, method="GET"):
    """(status, JSON payload, headers) of a request to the running server."""
    request = urllib.request.Request(server.url.rstrip("/") + target, method=method)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            status, body, head = answer.status, answer.read(), answer.headers
    except urllib.error.HTTPError as error:
        status, body, head = error.code, error.read(), error.headers
    kind = head.get("Content-Type", "")
    payload = json.loads(body, parse_constant=_no_nan) if kind == "application/json" else body
    return status, payload, head


@pytest.fixture(scope="module")
def server():
    with running_server() as running:
        yield running


# --- /api/minimize ------------------------------------------------------------------


def test_minimize_path_starts_at_start_and_values_are_f_on_the_path(server):
    status, res, _ = get(server, "/api/minimize?function=function_2&start=-3,4&lr=0.1&steps=20")
    assert status == 200
    assert set(res) >= {"status", "message", "path", "values"}
    path, values = np.array(res["path"]), np.array(res["values"])
    assert path.shape == (21, 2) and values.shape == (21,)
    # plain gradient descent on x0² + x1²: x_{k+1} = x_k - 0.1 * 2 x_k = 0.8 x_k
    expected = np.array([-3.0, 4.0]) * 0.8 ** np.arange(21)[:, None]
    np.testing.assert_allclose(path, expected, rtol=1e-12)
    np.testing.assert_allclose(values, np.sum(expected**2, axis=1), rtol=1e-12)
    assert res["status"] == "max_steps" and res["nit"] == 20


def test_lr_10_is_diverged_with_a_suggested_learning_rate(server):
    status, res, _ = get(server, "/api/minimize?function=function_2&start=-3,4&lr=10&steps=100")
    assert status == 200
    assert res["status"] == "diverged"
    assert "too large" in res["message"]
    # f = x0² + x1² has L = 2, so 1/L = 0.5
    assert res["suggested_lr"] == pytest.approx(0.5)
    assert all(v is None or math.isfinite(v) for v in res["values"])
    assert all(math.isfinite(v) for v in res["x"])  # the answer is the best finite iterate


def test_tiny_lr_is_stalled(server):
    _, res, _ = get(server, "/api/minimize?function=function_2&start=-3,4&lr=1e-10&steps=100")
    assert res["status"] == "stalled"
    assert "too small" in res["message"]


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_optimizer_goes_downhill_on_chapter6(server, optimizer):
    target = f"/api/minimize?function=chapter6&start=-7,2&lr=0.05&steps=50&optimizer={optimizer}"
    status, res, _ = get(server, target)
    assert status == 200 and res["optimizer"] == optimizer
    assert res["values"][-1] < res["values"][0]


def test_momentum_follows_the_rule_by_hand(server):
    # torch's SGD with momentum: v = mu v + g, x = x - lr v (v = g at the first step)
    target = "/api/minimize?function=function_2&start=1,-2&lr=0.1&steps=3&optimizer=momentum"
    _, res, _ = get(server, target + "&momentum=0.5")
    x, v = np.array([1.0, -2.0]), np.zeros(2)
    expected = [x]
    for _ in range(3):
        v = 0.5 * v + 2 * x
        x = x - 0.1 * v
        expected.append(x)
    np.testing.assert_allclose(res["path"], expected, rtol=1e-12)
    assert res["hyperparameters"] == {"momentum": 0.5}


def test_adam_betas_reach_the_optimizer(server):
    base = "/api/minimize?function=function_2&start=1,-2&lr=0.1&steps=2&optimizer=adam"
    _, default, _ = get(server, base)
    _, changed, _ = get(server, base + "&beta1=0.5&beta2=0.9")
    assert changed["hyperparameters"] == {"beta1": 0.5, "beta2": 0.9}
    # Adam's first step is lr * sign(g) whatever the betas; the second depends on them
    np.testing.assert_allclose(default["path"][1], [0.9, -1.9], rtol=1e-7)
    assert not np.allclose(default["path"][2], changed["path"][2], rtol=1e-6)


def test_typed_expression_follows_the_named_function(server):
    typed = quote("x0**2/20 + x1**2")
    _, by_expression, _ = get(server, f"/api/minimize?function={typed}&start=-7,2&lr=0.9&steps=30")
    _, by_name, _ = get(server, "/api/minimize?function=chapter6&start=-7,2&lr=0.9&steps=30")
    assert by_expression["gradient"] == "numerical" and by_name["gradient"] == "analytic"
    # the numerical gradient (central difference, h ~ eps^(1/3)) is exact to ~1e-10 here
    np.testing.assert_allclose(by_expression["path"], by_name["path"], rtol=1e-7, atol=1e-9)


def test_a_function_of_one_variable_descends_too(server):
    # the chapter's function_1 = 0.01 x² + 0.1 x: x - lr (0.02 x + 0.1), minimum at -5
    _, res, _ = get(server, "/api/minimize?function=function_1&start=0&lr=10&steps=3")
    assert res["gradient"] == "analytic"
    np.testing.assert_allclose(res["path"], [[0.0], [-1.0], [-1.8], [-2.44]], rtol=1e-12)
    _, typed, _ = get(server, f"/api/minimize?function={quote('(x - 2)**2')}&start=0&lr=0.25")
    assert typed["status"] == "converged" and typed["x"] == pytest.approx([2.0], abs=1e-9)


def test_time_limit_stops_a_descent_and_says_so(server, monkeypatch):
    monkeypatch.setattr("slopes.explore._api.TIME_LIMIT_S", 0.0)
    _, res, _ = get(server, "/api/minimize?function=rosenbrock&start=-1.5,2&lr=1e-4&steps=10000")
    assert res["status"] == "stopped"
    assert "at most 0 s" in res["message"]
    assert len(res["path"]) == len(res["values"]) < 10001


# --- /api/grid and /api/derivative ----------------------------------------------------------


def test_grid_is_f_on_the_grid(server):
    status, grid, _ = get(
        server, "/api/grid?function=chapter6&xmin=-2&xmax=2&ymin=-1&ymax=3&nx=5&ny=3"
    )
    assert status == 200
    assert grid["x"] == [-2.0, -1.0, 0.0, 1.0, 2.0] and grid["y"] == [-1.0, 1.0, 3.0]
    xs, ys = np.meshgrid(grid["x"], grid["y"])
    np.testing.assert_allclose(grid["z"], xs**2 / 20 + ys**2, rtol=1e-15)
    assert grid["zmin"] == pytest.approx(1.0) and grid["zmax"] == pytest.approx(9.2)
    assert grid["minima"] == [[0.0, 0.0]]


def test_grid_default_window_and_the_largest_size(server):
    _, grid, _ = get(server, "/api/grid?function=himmelblau&nx=400&ny=400")
    assert len(grid["z"]) == 400 and len(grid["z"][0]) == 400
    assert grid["x"][0] == -5.0 and grid["x"][-1] == 5.0
    assert len(grid["minima"]) == 4


def test_grid_sends_null_where_f_is_not_finite(server):
    _, grid, _ = get(server, f"/api/grid?function={quote('log(x0) + x1')}&xmin=-1&xmax=1&nx=3&ny=2")
    assert grid["z"][0][0] is None and grid["z"][0][2] == pytest.approx(grid["y"][0])


def test_derivative_lesson_reproduces_the_chapter(server):
    status, lesson, _ = get(server, "/api/derivative?function=function_1&x=5&h=1e-4")
    assert status == 200
    assert lesson["central"]["value"] == 0.1999999999990898  # the chapter's printed number
    assert lesson["reference"] == {"value": 0.2, "kind": "analytic"}
    # forward difference of a x² + b x: exactly f' + a h (0.01 * 1e-4), plus rounding ~1e-12
    assert lesson["forward"]["error"] == pytest.approx(1e-6, abs=1e-10)
    assert lesson["automatic"]["value"] == pytest.approx(0.2, abs=1e-12)
    assert lesson["automatic"]["error_estimate"] < 1e-10
    assert len(lesson["curve"]["x"]) == len(lesson["curve"]["y"])
    assert lesson["curve"]["x"][0] == 0.0 and lesson["curve"]["x"][-1] == 20.0


def test_derivative_lesson_shows_truncation_and_rounding(server):
    _, lesson, _ = get(server, f"/api/derivative?function={quote('sin(x)')}&x=1&h=1e-3")
    assert lesson["reference"]["kind"] == "automatic"
    assert lesson["reference"]["value"] == pytest.approx(math.cos(1.0), abs=1e-12)
    # truncation error of the central difference: h² |f'''(x)| / 6 = 1e-6 cos(1) / 6
    assert lesson["central"]["error"] == pytest.approx(1e-6 * math.cos(1.0) / 6, rel=1e-3)
    h = np.array(lesson["sweep"]["h"])
    central = np.array(lesson["sweep"]["central"], dtype=float)
    forward = np.array(lesson["sweep"]["forward"], dtype=float)
    # the V: the best h is in between, rounding wins below it and truncation above it
    assert 1e-8 < h[np.argmin(central)] < 1e-3 and 1e-11 < h[np.argmin(forward)] < 1e-5
    assert central[np.argmin(central)] < 1e-9 < central[0] and central[-1] > 1e-2


# --- bad input --------------------------------------------------------------------------

BAD = [
    ("/api/minimize?start=1,2", "`function` is missing"),
    ("/api/minimize?function=&start=1,2", "`function` is empty"),
    ("/api/minimize?function=rosenbrok&start=1,2", "`function`:"),
    ("/api/minimize?function=chapter6", "`start` is missing"),
    ("/api/minimize?function=chapter6&start=a,b", "`start` must be numbers"),
    ("/api/minimize?function=chapter6&start=nan,1", "`start` must be finite"),
    ("/api/minimize?function=chapter6&start=1,2,3", "`start` needs 2 coordinate(s)"),
    ("/api/minimize?function=chapter6&start=1,2&lr=0", "`lr` must be at least"),
    ("/api/minimize?function=chapter6&start=1,2&lr=-1", "`lr` must be at least"),
    ("/api/minimize?function=chapter6&start=1,2&lr=inf", "`lr` must be a finite number"),
    ("/api/minimize?function=chapter6&start=1,2&lr=fast", "`lr` must be a number"),
    ("/api/minimize?function=chapter6&start=1,2&steps=10001", "`steps` must be at most 10000"),
    ("/api/minimize?function=chapter6&start=1,2&steps=-1", "`steps` must be at least 0"),
    ("/api/minimize?function=chapter6&start=1,2&steps=1.5", "`steps` must be a whole number"),
    ("/api/minimize?function=chapter6&start=1,2&optimizer=lbfgs", "`optimizer` must be one of"),
    ("/api/minimize?function=chapter6&start=1,2&optimizer=momentum&momentum=1", "`momentum`"),
    ("/api/minimize?function=chapter6&start=1,2&speed=3", "unknown parameter 'speed'"),
    ("/api/minimize?function=chapter6&start=1,2&lr=1&lr=2", "`lr` is given 2 times"),
    ("/api/grid?function=chapter6&nx=401", "`nx` must be at most 400"),
    ("/api/grid?function=chapter6&ny=1", "`ny` must be at least 2"),
    ("/api/grid?function=chapter6&xmin=1&xmax=0", "`xmax` must be greater than `xmin`"),
    ("/api/grid?function=function_1", "two variables"),
    ("/api/derivative?function=chapter6&x=1", "one variable"),
    ("/api/derivative?function=function_1&h=0", "`h` must be at least 1e-16"),
    ("/api/derivative?function=function_1&h=2", "`h` must be at most 1"),
    ("/api/derivative?function=log(x)&x=-1", "f is not finite at x = -1"),
    ("/api/functions?x=1", "unknown parameter 'x'"),
]


@pytest.mark.parametrize(("target", "message"), BAD)
def test_bad_input_is_a_400_naming_the_problem(server, target, message):
    status, payload, head = get(server, target)
    assert status == 400
    assert head["Content-Type"] == "application/json"
    assert set(payload) == {"error"}
    assert message in payload["error"]


INJECTIONS = [
    "__import__('os').system('touch pwned')",
    "x0.__class__.__bases__",
    "open('/etc/passwd').read()",
    "eval('1')",
    "lambda: 0",
    "[x0 for x0 in (1, 2)]",
    "x0; import os",
    "x0 if x0 else x1",
    "'; DROP TABLE functions; --",
    "<script>alert(1)</script>",
    "${jndi:ldap://127.0.0.1/a}",
    "9**9**9",
    "x0" + "+x0" * 700,  # longer than the language allows
    "x0" + " + x0" * 3000,  # longer than a request may be
]


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_are_refused_with_the_expression_languages_message(
    server, text, tmp_path
):
    with pytest.raises(ExpressionError) as refused:
        compile_expression(text)
    before = set(os.listdir(ROOT))
    for endpoint, more in (("minimize", "&start=1,2"), ("grid", "")):
        target = f"/api/{endpoint}?function={quote(text)}{more}"
        status, payload, head = get(server, target)
        assert head["X-Content-Type-Options"] == "nosniff"
        if len(target) > 4096:
            assert status == 414, payload  # refused before it is even parsed
            continue
        assert status == 400, payload
        assert payload["error"] == f"`function`: {refused.value.oneline()}"
    assert set(os.listdir(ROOT)) == before  # nothing written


def test_an_oversize_request_is_refused(server):
    status, payload, _ = get(server, "/api/minimize?function=" + "x" * 5000)
    assert status == 414
    assert "at most 4096 bytes" in payload["error"]


def test_unknown_paths_and_methods(server):
    status, payload, _ = get(server, "/api/secret")
    assert status == 404 and "no such page" in payload["error"]
    status, payload, _ = get(server, "/../../etc/passwd")
    assert status == 404
    status, payload, _ = get(server, "/api/minimize?function=chapter6&start=1,2", method="POST")
    assert status == 405 and payload == {"error": "only GET is allowed"}


def test_another_host_name_is_refused_when_bound_to_loopback(server):
    # a page elsewhere reaching 127.0.0.1 through its own DNS name (DNS rebinding)
    status, payload, _ = get(server, "/api/functions", headers={"Host": "evil.example:80"})
    assert status == 403 and "Host" in payload["error"]
    assert get(server, "/api/functions", headers={"Host": "localhost"})[0] == 200


# --- the page --------------------------------------------------------------------------------


def test_page_and_assets_are_served_with_a_strict_policy(server):
    for target, kind in (
        ("/", "text/html"),
        ("/explore.js", "text/javascript"),
        ("/explore.css", "text/css"),
    ):
        status, body, head = get(server, target)
        assert status == 200 and head["Content-Type"].startswith(kind)
        assert "connect-src 'self'" in head["Content-Security-Policy"]
        assert len(body) > 1000


def test_the_page_refers_to_nothing_outside_this_server():
    folder = resources.files("slopes.explore").joinpath("static")
    for name in ("index.html", "explore.js", "explore.css"):
        text = folder.joinpath(name).read_text(encoding="utf-8")
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text), name
        assert "@import" not in text and "url(" not in text


def test_functions_lists_the_named_functions(server):
    _, catalogue, _ = get(server, "/api/functions")
    names = [f["name"] for f in catalogue["functions"]]
    assert names == slopes.functions.names()
    plane = {f["name"] for f in catalogue["functions"] if f["plane"]}
    assert {"function_2", "chapter6", "rosenbrock", "himmelblau"} <= plane
    assert "function_1" not in plane
    assert catalogue["optimizers"] == list(OPTIMIZERS)
    assert catalogue["limits"] == {"steps": 10000, "grid": 400, "lr": [1e-12, 1e3]}


# --- threads, binding, the command ------------------------------------------------------------


def test_a_slow_request_does_not_block_the_others(server, monkeypatch):
    from slopes.explore import _api

    entered, release = threading.Event(), threading.Event()

    def slow(query_text):
        entered.set()
        release.wait(timeout=30)
        return {"slow": True}

    monkeypatch.setitem(_api.ENDPOINTS, "/api/slow", slow)
    answers = []
    waiting = threading.Thread(target=lambda: answers.append(get(server, "/api/slow")[1]))
    waiting.start()
    assert entered.wait(timeout=10)
    # the slow request is still in its endpoint: another is answered meanwhile
    status, res, _ = get(server, "/api/minimize?function=chapter6&start=1,2&steps=3")
    assert status == 200 and len(res["path"]) == 4
    assert answers == []
    release.set()
    waiting.join(timeout=10)
    assert answers == [{"slow": True}]


def test_too_many_computing_at_once_is_a_503(server, monkeypatch):
    from slopes.explore import _api

    entered, release = threading.Event(), threading.Event()

    def slow(query_text):
        entered.set()
        release.wait(timeout=30)
        return {"slow": True}

    monkeypatch.setitem(_api.ENDPOINTS, "/api/slow", slow)
    monkeypatch.setattr(server, "computing", threading.BoundedSemaphore(1))
    monkeypatch.setattr("slopes.explore._server.TIME_LIMIT_S", 0.2)
    waiting = threading.Thread(target=lambda: get(server, "/api/slow"))
    waiting.start()
    try:
        assert entered.wait(timeout=10)
        status, payload, _ = get(server, "/api/functions")
        assert status == 503 and "busy" in payload["error"]
        assert get(server, "/")[0] == 200  # the page itself is still served
    finally:
        release.set()
        waiting.join(timeout=10)
    assert get(server, "/api/functions")[0] == 200


def test_binds_to_loopback_by_default():
    server = make_server()
    try:
        assert server.server_address[0] == "127.0.0.1"
        assert server.url.startswith("http://127.0.0.1:")
    finally:
        server.server_close()


def test_other_hosts_warn_and_serve_stops_on_shutdown():
    out = io.StringIO()

    def stop_at_once(running):
        threading.Thread(target=running.shutdown).start()

    with pytest.warns(slopes.SlopesWarning, match="reachable from other machines"):
        # 127.0.0.2 is not on the list of hosts that stay local, yet is loopback: safe here
        url = serve("127.0.0.2", 0, open_browser=False, out=out, on_ready=stop_at_once)
    assert out.getvalue() == f"Serving on {url}\n"


def test_a_port_in_use_is_a_clear_error():
    taken = make_server()
    try:
        with pytest.raises(ValueError, match=r"`port`: cannot listen on 127\.0\.0\.1"):
            make_server(port=taken.server_address[1])
    finally:
        taken.server_close()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2"])
def test_slopes_explore_prints_its_address_and_stops_on_ctrl_c(host):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = ["explore", "--port", "0", "--no-browser", "--host", host]
    process = subprocess.Popen(
        [sys.executable, "-m", "slopes.cli", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = process.stdout.readline()
        match = re.fullmatch(rf"Serving on (http://{re.escape(host)}:(\d+)/)\n", line)
        assert match, line
        with urllib.request.urlopen(match.group(1) + "api/functions", timeout=30) as answer:
            assert answer.status == 200
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert out == "Stopped.\n" and "Traceback" not in err
    if host == "127.0.0.1":
        assert err == ""
    else:  # one plain line, not Python's warning format with a source line
        assert err.startswith(f"slopes explore: warning: binding to {host}: the explorer")
        assert err.count("\n") == 1


def test_bad_port_on_the_command_line_exits_2(capsys):
    from slopes.cli import main

    assert main(["explore", "--port", "70000", "--no-browser"]) == 2
    assert "`--port` must be in 0..65535" in capsys.readouterr().err


def test_import_slopes_explore_stays_light():
    code = "import sys, slopes.explore; print('slopes.descent' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        check=True,
    )
    assert result.stdout.strip() == "False"


def test_the_explorer_is_a_top_layer():
    # only the command line may import the explorer; the explorer never imports the CLI
    package = ROOT / "src" / "slopes"
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            (node.module or "") for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        } | {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
        uses = any(m.startswith("slopes.explore") for m in imported) or "explore" in names
        assert not uses or path.stem == "cli", path.name
    for path in (package / "explore").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"slopes\.(cli|_cli_\w+|tour|_tour_\w+)\b", text), path.name


def test_lang_ko_opens_the_korean_page(monkeypatch):
    import webbrowser

    opened = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url))

    def stop_when_opened(running):
        def stop():
            for _ in range(200):
                if opened:
                    break
                threading.Event().wait(0.05)
            running.shutdown()

        threading.Thread(target=stop).start()

    url = serve(port=0, lang="ko", out=io.StringIO(), on_ready=stop_when_opened)
    assert opened == [url + "?lang=ko"]
    with pytest.raises(ValueError, match="`lang` must be 'en' or 'ko'"):
        serve(port=0, lang="fr", open_browser=False)


def test_the_page_starts_every_named_function_of_two_variables_somewhere():
    script = resources.files("slopes.explore").joinpath("static", "explore.js").read_text("utf-8")
    presets = re.findall(r"(\w+): \{ start: \[[^\]]+\], lr: [0-9.e-]+", script)
    plane = [
        name for name in slopes.functions.names() if slopes.explore._problem.resolve(name).plane
    ]
    assert sorted(presets) == sorted(plane)

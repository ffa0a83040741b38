"""The words of the chapter tour, in English and Korean.

:func:`slopes.tour.run` fills the ``{placeholders}`` with numbers it has
just computed, formatted once for both languages, so the numbers printed in
English and in Korean are identical by construction. Each logical line
(between ``\\n``) is wrapped to the terminal's width when printed
(:mod:`slopes.tour._layout`), so the templates carry no line breaks of their own.

:func:`slopes.minimize` explains each run in English (``res.message`` is
part of the API). In English the tour prints that message; in the other
languages it writes the diagnosis from :data:`DIAGNOSES`, filled from the
result's own fields, and glosses the status codes with :data:`STATUS_NAMES`.

Examples
--------
>>> sorted(TEXT) == sorted(LANGUAGES)
True
>>> all(set(TEXT[lang]) == set(TEXT["en"]) for lang in LANGUAGES)
True
>>> sorted(DIAGNOSES) == sorted(STATUS_NAMES) == [lang for lang in LANGUAGES if lang != "en"]
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "DIAGNOSES",
    "FIGURE_TEXT",
    "FIGURE_WORDS",
    "LANGUAGES",
    "STATUS_NAMES",
    "TEXT",
    "diagnosis",
    "figure_outcome",
]

LANGUAGES = ("en", "ko")

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "intro": (
            "slopes tour: numerical differentiation and gradient descent, following the "
            "chapter. Every number below is computed now; every figure is written to {out_dir}."
        ),
        "figure": "  -> figure: {path}",
        "steps_title": "1. Forward or central difference, and why h = 1e-4",
        "steps_body": (
            "The derivative is the limit of (f(x+h) - f(x)) / h as h goes to 0. A computer "
            "cannot take that limit. Make h tiny, say 1e-50, and x + h rounds back to x: at "
            "x = 5 the forward difference is {rounding_zero} (rounding error; even "
            "np.float32(1e-50) is {float32_zero}). Keep h = 1e-4 and the forward difference "
            "(f(x+h) - f(x)) / h of f(x) = 0.01x^2 + 0.1x at 5 gives {forward} (truncation "
            "error {forward_error}: its error shrinks only like h). The central difference "
            "(f(x+h) - f(x-h)) / 2h gives {central} (error {central_error}: its error shrinks "
            "like h^2).\n"
            "For exp at x = 1 the total error is smallest near h = {best_forward_h} (forward) "
            "and h = {best_central_h} (central): h = 1e-4 is a safe, simple choice."
        ),
        "derivative_title": "2. Derivatives of f(x) = 0.01x^2 + 0.1x",
        "derivative_body": (
            "Central difference with h = 1e-4, exactly as in the chapter:\n"
            "  f'(5)  = {d5}   (true value 0.2)\n"
            "  f'(10) = {d10}   (true value 0.3)\n"
            "slopes.derivative with its automatic step and Richardson extrapolation:\n"
            "  f'(5)  = {auto5}\n"
            "The tangent lines in the figure touch the curve with exactly these slopes."
        ),
        "partial_title": "3. Partial derivatives of f(x0, x1) = x0^2 + x1^2 at (3, 4)",
        "partial_body": (
            "Hold one variable fixed and differentiate in the other:\n"
            "  df/dx0 at (3, 4) = {p0}   (true value 2 * 3 = 6)\n"
            "  df/dx1 at (3, 4) = {p1}   (true value 2 * 4 = 8)"
        ),
        "gradient_title": "4. The gradient: all partial derivatives at once",
        "gradient_body": (
            "  gradient at (3, 4) = {g34}\n"
            "  gradient at (0, 2) = {g02}\n"
            "  gradient at (3, 0) = {g30}\n"
            "The gradient points where f rises fastest; the arrows in the figure show minus "
            "the gradient, the way downhill. They point to the minimum at (0, 0) and grow "
            "longer farther from it, where the bowl is steeper."
        ),
        "descent_title": "5. Gradient descent from (-3, 4) with learning rate 0.1",
        "descent_body": (
            "Repeat x <- x - lr * gradient for {steps} steps:\n"
            "  x = {x}   after {nit} steps ({status})\n"
            "  f(x) = {fun}\n"
            "Each step multiplies x by (1 - 2 * 0.1) = 0.8, so after 100 steps "
            "x = 0.8^100 * (-3, 4) = {exact}, within about 1e-9 of the minimum (0, 0)."
        ),
        "rates_title": "6. Learning rate too large, too small",
        "rates_body": (
            "lr = 10: status {big_status}. The chapter's gradient_descent takes all 100 steps "
            "and ends at x = {chapter_x}, numbers that only say something went wrong. "
            "slopes.minimize stops when f runs away, keeps the best point it saw, "
            "x = {big_x}, and says why:\n"
            "    {big_message}\n"
            "lr = 1e-10: status {small_status}, x = {small_x}\n"
            "    {small_message}\n"
            "Too large a step overshoots the valley and flies off; too small a one never "
            "leaves the start. The learning rate is a hyperparameter: it must be chosen by hand."
        ),
        "optimizers_title": "7. Four optimisers on f(x, y) = x^2/20 + y^2 from (-7, 2), 30 steps",
        "optimizers_columns": "optimiser|last x|f|best f",
        "optimizers_body": (
            "The last x is where each run stopped, the star in the figure; res.x is the best "
            "iterate (lowest f), which an oscillating run may have passed earlier.\n"
            "The bowl is 20 times flatter along x than along y. Plain SGD zig-zags across the "
            "steep direction; momentum rolls along the valley; AdaGrad scales each "
            "coordinate's step by its own gradient history; Adam combines both ideas."
        ),
        "training_title": "8. Minibatch SGD on the embedded digits",
        "training_body": (
            "Data: the 8x8 handwritten digits (UCI, shipped with slopes), {n_train} training "
            "and {n_test} test images. Model: {model}. Each step takes a random minibatch of "
            "{batch_size} images, computes the gradient of the loss ({gradient_kind}) and "
            "steps with lr {lr}.\n"
            "  {epochs} epochs, {steps} steps, {seconds} s (status: {status})\n"
            "  final minibatch loss {loss}\n"
            "  train accuracy {train_accuracy}, test accuracy {test_accuracy}\n"
            "Test accuracy close to train accuracy means the network has not merely memorised."
        ),
        "check_title": "9. Gradient check: backpropagation against numerical gradients",
        "check_row": "  {name}: mean |backprop - numerical| = {diff}",
        "check_body": (
            "Backpropagation is fast but easy to get wrong; the numerical gradient is slow but "
            "simple. For {model} on a batch of {batch} images, slopes.check_grad says "
            "{verdict} (largest difference {max_diff})."
        ),
        "check_ok": "the gradients match",
        "check_bad": "the gradients DIFFER",
        "backprop": "backprop",
        "done": "Done in {seconds} s: {count} figures in {out_dir}",
        "explore": (
            "Next, play with it: `slopes explore` opens the chapter's descents in your browser, "
            "with a slider for the learning rate and a click for the start point."
        ),
    },
    "ko": {
        "intro": (
            "slopes 투어: 책의 장을 따라가는 수치 미분과 경사 하강법. 아래의 모든 숫자는 "
            "지금 계산한 값이고, 모든 그림은 {out_dir}에 저장됩니다."
        ),
        "figure": "  -> 그림: {path}",
        "steps_title": "1. 전방 차분과 중심 차분, 그리고 h = 1e-4인 이유",
        "steps_body": (
            "미분은 h를 0으로 보낼 때 (f(x+h) - f(x)) / h의 극한입니다. 컴퓨터는 이 극한을 "
            "직접 구할 수 없습니다. h를 1e-50처럼 아주 작게 하면 x + h가 반올림되어 x가 "
            "됩니다: x = 5에서 전방 차분은 {rounding_zero}입니다(반올림 오차입니다. "
            "np.float32(1e-50)의 값도 {float32_zero}입니다). h = 1e-4로 두면 "
            "f(x) = 0.01x^2 + 0.1x의 x = 5에서의 전방 차분 (f(x+h) - f(x)) / h는 "
            "{forward}입니다(절단 오차 {forward_error}: 오차가 h에 비례해서만 줄어듭니다). "
            "중심 차분 (f(x+h) - f(x-h)) / 2h는 {central}입니다(오차 {central_error}: "
            "오차가 h^2에 비례해서 줄어듭니다).\n"
            "x = 1에서 exp의 전체 오차는 h = {best_forward_h} (전방)과 h = {best_central_h} "
            "(중심) 근처에서 가장 작습니다: h = 1e-4는 안전하고 간단한 선택입니다."
        ),
        "derivative_title": "2. f(x) = 0.01x^2 + 0.1x의 미분",
        "derivative_body": (
            "책과 똑같이 h = 1e-4인 중심 차분으로:\n"
            "  f'(5)  = {d5}   (참값 0.2)\n"
            "  f'(10) = {d10}   (참값 0.3)\n"
            "자동 간격과 리처드슨 외삽을 쓰는 slopes.derivative로:\n"
            "  f'(5)  = {auto5}\n"
            "그림의 접선은 바로 이 기울기로 곡선에 닿습니다."
        ),
        "partial_title": "3. (3, 4)에서 f(x0, x1) = x0^2 + x1^2의 편미분",
        "partial_body": (
            "한 변수를 고정하고 다른 변수로 미분합니다:\n"
            "  (3, 4)에서 df/dx0 = {p0}   (참값 2 * 3 = 6)\n"
            "  (3, 4)에서 df/dx1 = {p1}   (참값 2 * 4 = 8)"
        ),
        "gradient_title": "4. 기울기(gradient): 모든 편미분을 한꺼번에",
        "gradient_body": (
            "  (3, 4)에서의 기울기 = {g34}\n"
            "  (0, 2)에서의 기울기 = {g02}\n"
            "  (3, 0)에서의 기울기 = {g30}\n"
            "기울기는 f가 가장 빠르게 커지는 방향을 가리킵니다. 그림의 화살표는 기울기에 "
            "마이너스를 붙인 것, 즉 내리막 방향입니다. 화살표는 최솟값 (0, 0)을 향하고, "
            "그릇이 더 가파른 먼 곳일수록 길어집니다."
        ),
        "descent_title": "5. (-3, 4)에서 학습률 0.1로 경사 하강법",
        "descent_body": (
            "x <- x - lr * 기울기를 {steps}번 반복합니다:\n"
            "  {nit}번 갱신 후 x = {x}   ({status})\n"
            "  f(x) = {fun}\n"
            "매 단계 x에 (1 - 2 * 0.1) = 0.8이 곱해지므로 100번 후 "
            "x = 0.8^100 * (-3, 4) = {exact}이고, 최솟값 (0, 0)에서 약 1e-9 이내입니다."
        ),
        "rates_title": "6. 학습률이 너무 크거나 너무 작을 때",
        "rates_body": (
            "lr = 10: 상태 {big_status}. 책의 gradient_descent는 100단계를 모두 밟고 "
            "x = {chapter_x}에서 끝납니다. 무언가 잘못되었다는 것만 알려 주는 숫자입니다. "
            "slopes.minimize는 f가 폭주하면 멈추고, 지금까지 본 가장 좋은 점 x = {big_x}를 "
            "돌려주며, 이유를 말해 줍니다:\n"
            "    {big_message}\n"
            "lr = 1e-10: 상태 {small_status}, x = {small_x}\n"
            "    {small_message}\n"
            "(결과의 res.message에는 같은 진단이 영어로 들어 있습니다: API의 일부입니다.)\n"
            "보폭이 너무 크면 골짜기를 지나쳐 발산하고, 너무 작으면 출발점을 거의 떠나지 "
            "못합니다. 학습률은 하이퍼파라미터로, 사람이 직접 정해야 합니다."
        ),
        "optimizers_title": "7. (-7, 2)에서 f(x, y) = x^2/20 + y^2에 옵티마이저 네 가지, 30단계",
        "optimizers_columns": "옵티마이저|마지막 x|f|가장 좋은 f",
        "optimizers_body": (
            "마지막 x는 각 실행이 멈춘 곳(그림의 별)이고, res.x는 f가 가장 낮았던 "
            "반복점으로, 진동하는 실행은 그 점을 더 일찍 지나쳤을 수 있습니다.\n"
            "이 그릇은 y 방향보다 x 방향으로 20배 평평합니다. 일반 SGD는 가파른 방향으로 "
            "지그재그로 움직이고, 모멘텀은 골짜기를 따라 굴러가며, AdaGrad는 좌표마다 지난 "
            "기울기로 보폭을 조절하고, Adam은 두 아이디어를 합칩니다."
        ),
        "training_title": "8. 내장된 손글씨 숫자 데이터로 미니배치 SGD",
        "training_body": (
            "데이터: slopes에 들어 있는 8x8 손글씨 숫자(UCI), 훈련 이미지 {n_train}장과 "
            "시험 이미지 {n_test}장. 모델: {model}. 매 단계 {batch_size}장의 미니배치를 "
            "무작위로 뽑아 손실 함수의 기울기를 구하고({gradient_kind}) 매개변수를 "
            "갱신합니다(학습률 {lr}).\n"
            "  {epochs}에폭, {steps}단계, {seconds}초 (상태: {status})\n"
            "  마지막 미니배치 손실 {loss}\n"
            "  훈련 정확도 {train_accuracy}, 시험 정확도 {test_accuracy}\n"
            "시험 정확도가 훈련 정확도와 비슷하다는 것은 신경망이 단순히 외우지 않았다는 "
            "뜻입니다."
        ),
        "check_title": "9. 기울기 확인: 오차역전파와 수치 미분 비교",
        "check_row": "  {name}: 평균 |오차역전파 - 수치 미분| = {diff}",
        "check_body": (
            "오차역전파는 빠르지만 틀리기 쉽고, 수치 미분은 느리지만 단순합니다. "
            "{model}의 이미지 {batch}장 배치에서 slopes.check_grad의 판정은 "
            "'{verdict}'입니다(가장 큰 차이 {max_diff})."
        ),
        "check_ok": "기울기가 일치함",
        "check_bad": "기울기가 다름",
        "backprop": "오차역전파",
        "done": "{seconds}초 만에 끝났습니다: 그림 {count}개가 {out_dir}에 있습니다",
        "explore": (
            "다음으로 직접 움직여 보세요: `slopes explore --lang ko`를 실행하면 브라우저에서 "
            "학습률 슬라이더와 클릭 한 번으로 고르는 시작점으로 이 장의 경사 하강법을 "
            "다시 볼 수 있습니다."
        ),
    },
}

# the words in the tour's figures: titles and labels the tour sets itself ...
FIGURE_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "steps_forward": "forward (f(x+h) - f(x)) / h",
        "steps_central": "central (f(x+h) - f(x-h)) / 2h",
        "steps_chapter": "h = 1e-4 (the chapter)",
        "steps_xlabel": "step h",
        "steps_ylabel": "|error| of d/dx exp(x) at x = 1",
        "steps_title": "Rounding error (small h) against truncation error (large h)",
        "tangents_title": "f(x) = 0.01x² + 0.1x and its tangents at x = 5 and x = 10",
        "field_title": "Arrows: -∇f, the way downhill, for f(x0, x1) = x0² + x1²",
        "descent_label": "gradient descent, lr = 0.1",
        "descent_title": "Gradient descent from (-3, 4): {outcome}",
        "rates_title": "Gradient descent from (-3, 4), 100 steps, three learning rates",
        "optimizers_title": "f(x0, x1) = x0²/20 + x1² from (-7, 2), 30 steps",
        "training_title": "TwoLayerNet(64, 50, 10) on the digits, minibatch SGD, lr {lr}",
        "converged": "converged in {nit} steps",
        "max_steps": "out of steps after {nit}",
        "diverged": "diverged at step {nit}:\nf grew from {f0} to {f}",
        "diverged_nonfinite": "diverged at step {nit}:\nvalues overflowed",
        "stalled": "stalled: in {nit} steps\nf moved by only {moved}",
        "stopped": "stopped by the callback at step {nit}",
    },
    "ko": {
        "steps_forward": "전방 차분 (f(x+h) - f(x)) / h",
        "steps_central": "중심 차분 (f(x+h) - f(x-h)) / 2h",
        "steps_chapter": "h = 1e-4 (책의 값)",
        "steps_xlabel": "간격 h",
        "steps_ylabel": "x = 1에서 exp(x) 미분의 |오차|",
        "steps_title": "반올림 오차(작은 h)와 절단 오차(큰 h)",
        "tangents_title": "f(x) = 0.01x² + 0.1x와 x = 5, x = 10에서의 접선",
        "field_title": "화살표: 내리막 방향 -∇f, f(x0, x1) = x0² + x1²",
        "descent_label": "경사 하강법, lr = 0.1",
        "descent_title": "(-3, 4)에서 경사 하강법: {outcome}",
        "rates_title": "(-3, 4)에서 경사 하강법 100단계, 학습률 세 가지",
        "optimizers_title": "(-7, 2)에서 f(x0, x1) = x0²/20 + x1², 30단계",
        "training_title": "손글씨 숫자에 TwoLayerNet(64, 50, 10), 미니배치 SGD, 학습률 {lr}",
        "converged": "{nit}단계 만에 수렴",
        "max_steps": "{nit}단계를 다 쓰고 멈춤",
        "diverged": "{nit}단계에서 발산:\nf가 {f0}에서 {f}까지 커짐",
        "diverged_nonfinite": "{nit}단계에서 발산:\n값이 넘침",
        "stalled": "정체: {nit}단계 동안\nf가 {moved}만큼만 움직임",
        "stopped": "{nit}단계에서 콜백이 멈춤",
    },
}

# ... and the words slopes.plot draws in English, translated where the tour shows them
FIGURE_WORDS: dict[str, dict[str, str]] = {
    "ko": {
        "start": "출발점",
        "last iterate": "마지막 반복점",
        "minimum": "최솟값",
        "f(x)": "f(x)",
        "step": "단계",
        "epoch": "에폭",
        "loss": "손실",
        "accuracy": "정확도",
        "Loss per step": "단계별 손실",
        "Accuracy per epoch": "에폭별 정확도",
        "minibatch loss": "미니배치 손실",
        "train": "훈련",
        "test": "시험",
        "train accuracy": "훈련 정확도",
        "test accuracy": "시험 정확도",
        "f at each step": "단계별 f",
        "f (log scale)": "f (로그 눈금)",
        "tangent at x={x}, slope {slope}": "x={x}에서의 접선, 기울기 {slope}",
    },
}

# minimize's status codes, kept as code and glossed: "'diverged'(발산)"
STATUS_NAMES: dict[str, dict[str, str]] = {
    "ko": {
        "converged": "수렴",
        "max_steps": "최대 단계 도달",
        "diverged": "발산",
        "stalled": "정체",
        "stopped": "중단",
        "completed": "완료",
    },
}

# minimize's diagnoses, one template per case (diagnosis below picks it);
# numbers come formatted as in res.message (f values .3g, lr :g, suggested lr .2g) and
# sit before 에서/까지 or in parentheses, so no particle depends on how a number is read;
# the tour folds the sentences to the terminal's width
DIAGNOSES: dict[str, dict[str, str]] = {
    "ko": {
        "converged": "{nit}단계 만에 수렴했습니다: 기울기 노름이 {grad_norm}까지 줄었습니다.",
        "stopped": "콜백이 {nit}단계 후에 실행을 멈췄습니다.",
        "diverged": (
            "{nit}단계에서 발산했습니다: f가 {f0}에서 {f}까지 커졌습니다. 학습률(lr={lr})이 "
            "너무 크니 lr={advice} 정도로 줄여 보세요. 결과 x는 지금까지 본 유한한 반복점 중 "
            "가장 좋은 것({best}단계)입니다."
        ),
        "diverged_nonfinite": (
            "{nit}단계에서 발산했습니다: {what}의 값이 유한하지 않습니다({value}). "
            "학습률(lr={lr})이 너무 크니 lr={advice} 정도로 줄여 보세요. "
            "결과 x는 지금까지 본 유한한 반복점 중 가장 좋은 것({best}단계)입니다."
        ),
        "diverged_at_start": (
            "0단계에서 발산했습니다: 한 걸음도 떼기 전에 x0에서 {what}의 값이 유한하지 "
            "않습니다({value}). 학습률로는 고칠 수 없으니 f와 기울기가 유한한 점에서 시작하세요."
        ),
        "stalled": (
            "정체되었습니다: {nit}단계 동안 f가 겨우 {decrease}만큼 움직였습니다. 기울기(노름 "
            "{grad_norm0})로 보면 훨씬 더 내려갈 수 있으니 학습률(lr={lr})이 너무 작습니다. "
            "lr={advice} 정도로 키워 보세요."
        ),
        "max_steps": (
            "최대 단계 수({nit})에 도달했지만 수렴하지 않았습니다: 기울기 노름은 {grad_norm0}에서 "
            "{grad_norm}까지, f는 {f0}에서 {f}까지 바뀌었습니다. {advice}"
        ),
        "max_steps_up": "f가 커졌으니 학습률을 줄여 보세요.",
        "max_steps_zero": (
            "f가 0 가까이, 아마 최솟값까지 내려갔습니다: 이런 실행을 수렴으로 보려면 tol을 "
            "키우세요."
        ),
        "max_steps_far": "단계를 늘리거나 학습률을 키워 보세요.",
        "gradient": "기울기",
    },
}


def diagnosis(res: Any, lr: float, lang: str) -> str:
    """What happened in a plain gradient-descent run of ``minimize``, in ``lang``.

    English is the library's own ``res.message``. Other languages fill
    :data:`DIAGNOSES` from the result's fields (``status``, ``nit``,
    ``history.f``, ``history.grad_norm``), numbers formatted as the message
    formats them, so both say the same numbers. The advised learning rate
    comes from the result's ``suggested_lr`` through the library's own rule
    (:func:`slopes.descent._diagnose.advised_lr`), so it is the message's number.
    """
    from ..descent import _diagnose as _diagnose

    if lang == "en":
        return str(res.message)
    words, status = DIAGNOSES[lang], str(res.status)  # the word keys the texts
    f_hist = np.asarray(res.history.f, dtype=float)
    g_hist = np.asarray(res.history.grad_norm, dtype=float)
    finite_f = np.where(np.isfinite(f_hist) & np.isfinite(g_hist), f_hist, np.inf)
    fields = dict(
        nit=res.nit,
        lr=f"{lr:g}",
        f=f"{f_hist[-1]:.3g}",
        f0=f"{f_hist[0]:.3g}",
        grad_norm=f"{g_hist[-1]:.3g}",
        grad_norm0=f"{g_hist[0]:.3g}",
        best=int(np.argmin(finite_f)),  # the first lowest finite f, as minimize keeps it
    )
    if status == "diverged" and not (np.isfinite(f_hist[-1]) and np.isfinite(g_hist[-1])):
        last_x = np.ravel(res.history.x[-1]) if res.nit else np.zeros(1)
        if not np.all(np.isfinite(last_x)):  # the step itself overflowed: f was not evaluated
            fields.update(what="x", value=last_x[~np.isfinite(last_x)][0])
        elif not np.isfinite(f_hist[-1]):
            fields.update(what="f", value=f_hist[-1])
        else:
            fields.update(what=words["gradient"], value=g_hist[-1])
        status = "diverged_at_start" if res.nit == 0 else "diverged_nonfinite"
    if status.startswith("diverged") or status == "stalled":
        advised = _diagnose.advised_lr(res.status, {"suggested_lr": res.suggested_lr, "lr": lr})
        assert advised is not None  # lr is a number here, so there is always an advice
        fields["advice"] = advised[1]
        fields["decrease"] = f"{f_hist[0] - np.min(finite_f):.3g}"
    elif status == "max_steps":
        if f_hist[-1] > f_hist[0]:
            fields["advice"] = words["max_steps_up"]
        elif abs(f_hist[-1]) <= _diagnose.F_ORDERS_GAINED * abs(f_hist[0]):
            fields["advice"] = words["max_steps_zero"]
        else:
            fields["advice"] = words["max_steps_far"]
    return words.get(status, str(res.message)).format(**fields)


def figure_outcome(res: Any, lang: str) -> str:
    """What a run of ``minimize`` did, in ``lang``, for a figure title (one or two lines)."""
    words = FIGURE_TEXT[lang]
    f_hist = np.asarray(res.history.f, dtype=float)
    status = str(res.status)  # the word keys the texts
    if status == "diverged" and not np.isfinite(f_hist[-1]):
        status = "diverged_nonfinite"
    finite = f_hist[np.isfinite(f_hist)]
    moved = f_hist[0] - np.min(finite) if finite.size else 0.0
    return words.get(status, status).format(
        nit=res.nit, f0=f"{f_hist[0]:.3g}", f=f"{f_hist[-1]:.2g}", moved=f"{moved:.2g}"
    )

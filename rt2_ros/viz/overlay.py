"""The camera frame with what the loop is doing drawn on it (OpenCV only, no rclpy)."""

import numpy as np

from rt2_ros.actions.action import Action

VIDEO_SCALE = 2  # the 224 px camera is drawn at 448 px so the text stays legible


def annotate(frame: np.ndarray, header: str, action: Action | None, status: str = "") -> np.ndarray:
    """The camera frame (H, W, 3) RGB, enlarged, with the instruction on top and the delta below."""
    import cv2

    image = cv2.resize(frame, None, fx=VIDEO_SCALE, fy=VIDEO_SCALE, interpolation=cv2.INTER_LINEAR)
    height, width = image.shape[:2]
    font, white = cv2.FONT_HERSHEY_SIMPLEX, (255, 255, 255)
    cv2.rectangle(image, (0, 0), (width, 26), (0, 0, 0), thickness=-1)
    cv2.putText(image, header, (6, 18), font, 0.45, white, 1, cv2.LINE_AA)
    cv2.rectangle(image, (0, height - 40), (width, height), (0, 0, 0), thickness=-1)
    if action is not None:
        translation = " ".join(f"{value * 100:+.1f}" for value in action.translation)
        rotation = " ".join(f"{value:+.2f}" for value in action.rotation)
        cv2.putText(image, f"dxyz [{translation}] cm", (6, height - 24), font, 0.42, white, 1, cv2.LINE_AA)
        cv2.putText(
            image, f"drpy [{rotation}] rad  grip {action.gripper:.2f}", (6, height - 8), font, 0.42, white, 1,
            cv2.LINE_AA,
        )  # fmt: skip
    if status:
        color = (60, 220, 60) if status == "success" else (230, 60, 60)
        cv2.putText(image, status.upper(), (width - 110, 52), font, 0.7, color, 2, cv2.LINE_AA)
    return image

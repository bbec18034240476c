"""Write mediapipe_reference.npz: what MediaPipe's own pipeline finds on skimage photos.

faceeditor re-implements MediaPipe's pre- and post-processing around the same .tflite models;
tests/test_detect.py checks that it agrees with this reference. MediaPipe cannot live in
faceeditor's environment (it pins numpy<2), so this runs once in a separate one:

    python3.11 -m venv /tmp/mp && /tmp/mp/bin/pip install mediapipe==0.10.21 scikit-image
    /tmp/mp/bin/python tests/data/make_mediapipe_reference.py

Stored per photo: detection box (x0, y0, x1, y1) and 6 keypoints in pixels for the short-range
(model_selection=0) and full-range (1) detectors, and the 468 face-mesh points (x, y pixels,
z in pixels: MediaPipe's z times the image width) from FaceMesh(static_image_mode=True).
"""

from pathlib import Path

import mediapipe as mp
import numpy as np
from PIL import Image
from skimage import data


def photos() -> dict[str, np.ndarray]:
    astronaut = data.astronaut()
    return {
        "astronaut": astronaut,
        "camera": np.stack([data.camera()] * 3, axis=-1),
        "astronaut_turned30": np.asarray(Image.fromarray(astronaut).rotate(
            30, Image.Resampling.BILINEAR, center=(256, 256))),
    }


def main() -> None:
    out = {"mediapipe_version": np.array(mp.__version__)}
    for name, image in photos().items():
        height, width = image.shape[:2]
        for selection, model in ((0, "short"), (1, "full")):
            with mp.solutions.face_detection.FaceDetection(model_selection=selection) as detector:
                (found, *_) = detector.process(image).detections
            box = found.location_data.relative_bounding_box
            out[f"{name}/{model}/box"] = np.array([
                box.xmin * width, box.ymin * height,
                (box.xmin + box.width) * width, (box.ymin + box.height) * height], np.float32)
            out[f"{name}/{model}/keypoints"] = np.array(
                [[k.x * width, k.y * height] for k in found.location_data.relative_keypoints],
                np.float32)
        with mp.solutions.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1) as mesh:
            (points, *_) = mesh.process(image).multi_face_landmarks
        out[f"{name}/mesh"] = np.array(
            [[p.x * width, p.y * height, p.z * width] for p in points.landmark], np.float32)
    np.savez_compressed(Path(__file__).with_name("mediapipe_reference.npz"), **out)


if __name__ == "__main__":
    main()

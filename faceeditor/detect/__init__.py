"""Photo input: read a photo, find faces, and place MediaPipe's 468 face-mesh landmarks.

    image = load_photo("portrait.jpg")          # (H, W, 3) uint8 sRGB, upright
    faces = detect_faces(image)                 # list[FaceBox], largest first
    points = face_landmarks(image, faces[0])    # (468, 3) float32: x, y pixels, z relative

Runs offline on the CPU: the vendored MediaPipe BlazeFace and Face Mesh models (Apache-2.0,
resources/detect/NOTICE.md) through `ai-edge-litert`; no Qt, no TensorFlow.
"""

from .blazeface import KEYPOINT_NAMES, FaceBox
from .draw import draw_landmarks
from .facemesh import NUM_LANDMARKS, FaceMesh, Roi, detect_faces, face_landmarks, face_mesh
from .photo import PhotoError, decode_photo, load_photo
from .pose import HeadPose, align_similarity, estimate_pose, mesh_regions
from .runtime import DetectorUnavailable

__all__ = [
    "DetectorUnavailable", "FaceBox", "FaceMesh", "HeadPose", "KEYPOINT_NAMES", "NUM_LANDMARKS",
    "PhotoError", "Roi", "align_similarity", "decode_photo", "detect_faces", "draw_landmarks",
    "estimate_pose", "face_landmarks", "face_mesh", "load_photo", "mesh_regions",
]

"""Run inside Blender: import a GLB with Blender's own glTF importer and print what it made.

    blender --background --factory-startup --python tests/blender/import_glb.py -- IN.glb

Prints one line ``RESULT <json>``: per mesh object its vertex count, shape key names, how far
each shape key moves a vertex at most (metres) and, per material, its blend method and whether
an image texture drives the Principled BSDF's Alpha.
"""

import json
import sys

import bpy
import numpy

# Debian's Blender 3.4 glTF importer still says ``np.bool``, which numpy 1.24 removed (Blender's
# own builds bundle an older numpy); the alias it meant is the builtin bool
if not hasattr(numpy, "bool"):
    numpy.bool = bool

path = sys.argv[sys.argv.index("--") + 1]
bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.import_scene.gltf(filepath=path)


def alpha_from_texture(material):
    if not material.use_nodes:
        return False
    for node in material.node_tree.nodes:
        if node.type == "BSDF_PRINCIPLED":
            socket = node.inputs["Alpha"]
            return any(link.from_node.type in {"TEX_IMAGE", "MATH", "SEPARATE_COLOR"}
                       for link in socket.links)
    return False


objects = {}
for obj in bpy.data.objects:
    if obj.type != "MESH":
        continue
    keys = obj.data.shape_keys
    motion = {}
    if keys:
        basis = numpy.empty(len(obj.data.vertices) * 3)
        keys.key_blocks[0].data.foreach_get("co", basis)
        for key in keys.key_blocks[1:]:
            moved = numpy.empty_like(basis)
            key.data.foreach_get("co", moved)
            motion[key.name] = float(numpy.abs(moved - basis).max())
    objects[obj.name] = {
        "mesh": obj.data.name,
        "vertices": len(obj.data.vertices),
        "shape_keys": [k.name for k in keys.key_blocks] if keys else [],
        "key_motion": motion,
        "materials": {m.name: {"blend": m.blend_method, "alpha_texture": alpha_from_texture(m)}
                      for m in obj.data.materials if m is not None},
    }
print("RESULT " + json.dumps({"version": bpy.app.version_string, "objects": objects}))

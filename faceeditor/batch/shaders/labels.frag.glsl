#version 330 core
// Label pass outputs, float32 each:
//   0: view-space unit normal (x right, y up, z toward the camera; back faces flipped), depth
//      along the view axis in metres (0 = nothing drawn);
//   1: texture coordinate u, v, part id, triangle (face) index.

in vec3 v_position;
in vec3 v_normal;
in vec2 v_texcoord;
flat in uint v_part_id;

layout(location = 0) out vec4 f_geometry;
layout(location = 1) out vec4 f_surface;

void main() {
    vec3 n = normalize(v_normal);
    if (!gl_FrontFacing) {
        n = -n;
    }
    f_geometry = vec4(n, -v_position.z);
    f_surface = vec4(v_texcoord, float(v_part_id), float(gl_PrimitiveID));
}

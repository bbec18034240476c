#version 330 core
// Label pass: per-pixel geometry of the head for dataset labels (no lighting).

uniform mat4 u_view;        // world -> view (rigid)
uniform mat4 u_projection;  // view -> clip

in vec3 in_position;
in vec3 in_normal;
in vec2 in_texcoord_0;
in uint in_part_id;

out vec3 v_position;   // view space
out vec3 v_normal;     // view space, not normalised
out vec2 v_texcoord;
flat out uint v_part_id;

void main() {
    vec4 position = u_view * vec4(in_position, 1.0);
    v_position = position.xyz;
    v_normal = mat3(u_view) * in_normal;
    v_texcoord = in_texcoord_0;
    v_part_id = in_part_id;
    gl_Position = u_projection * position;
}

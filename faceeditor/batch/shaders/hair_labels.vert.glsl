#version 330 core
// Hair layers in the label pass: positions to view space, atlas coordinates and colour through.

uniform mat4 u_view;
uniform mat4 u_projection;

in vec3 in_position;
in vec2 in_uv;
in vec4 in_colour;

out vec3 v_position;  // view space
out vec2 v_uv;
out vec4 v_colour;

void main() {
    vec4 position = u_view * vec4(in_position, 1.0);
    v_position = position.xyz;
    v_uv = in_uv;
    v_colour = in_colour;
    gl_Position = u_projection * position;
}

#version 330 core
// Hair layers in the label pass, same targets as labels.frag.glsl: a pixel is hair where the
// strand atlas (cards) or the painted opacity (caps) covers at least u_cutoff. Its normal is the
// card's face normal turned toward the camera; its "part" is u_code (a class code), no triangle.

uniform sampler2D u_strands;
uniform bool u_cap;
uniform float u_cutoff;
uniform float u_code;

in vec3 v_position;
in vec2 v_uv;
in vec4 v_colour;

layout(location = 0) out vec4 f_geometry;
layout(location = 1) out vec4 f_surface;

void main() {
    float coverage = u_cap ? v_colour.a : texture(u_strands, v_uv).r;
    if (coverage < u_cutoff) {
        discard;
    }
    vec3 n = normalize(cross(dFdx(v_position), dFdy(v_position)));
    if (n.z < 0.0) {
        n = -n;
    }
    f_geometry = vec4(n, -v_position.z);
    f_surface = vec4(0.0, 0.0, u_code, -1.0);
}

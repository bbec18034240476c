#version 330 core
// Depth-only pass (shadow map, occlusion bake): positions through one matrix.

uniform mat4 u_matrix;  // world -> clip of the light / bake direction

in vec3 in_position;

void main() {
    gl_Position = u_matrix * vec4(in_position, 1.0);
}

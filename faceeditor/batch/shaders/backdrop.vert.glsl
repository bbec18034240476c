#version 330 core
// A full-screen triangle just in front of the far plane: it fills only the pixels (and
// multisample samples) that nothing has been drawn into yet.

out vec2 v_uv;

void main() {
    vec2 corner = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    v_uv = corner;
    gl_Position = vec4(corner * 2.0 - 1.0, 0.999999, 1.0);
}

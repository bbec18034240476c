#version 330 core
// One triangle covering the viewport, with texture coordinates 0..1 over the visible part.
// No vertex buffers: positions come from gl_VertexID (0, 1, 2).

out vec2 v_texcoord;

void main() {
    vec2 corner = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
    v_texcoord = corner;
    gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}

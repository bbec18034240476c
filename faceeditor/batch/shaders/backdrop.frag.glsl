#version 330 core
// The backdrop image as it is (8-bit sRGB, like the framebuffer the skin shader writes).

uniform sampler2D u_image;

in vec2 v_uv;
out vec4 f_colour;

void main() {
    f_colour = vec4(texture(u_image, v_uv).rgb, 1.0);
}

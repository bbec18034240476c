#version 330 core
// Copy a smaller image over the whole output with bilinear filtering (values are passed
// through unchanged: the image is already sRGB-encoded).

uniform sampler2D u_image;

in vec2 v_texcoord;
out vec4 f_colour;

void main() {
    f_colour = vec4(texture(u_image, v_texcoord).rgb, 1.0);
}

#version 330 core
// Fast approximate antialiasing (after Lottes' FXAA, the classic 4-tap "console" variant):
// where the luma of a pixel's diagonal neighbours differs enough, blend along the edge
// direction they give. Elsewhere the pixel is copied exactly (the background stays exact).
// The image is drawn at the output size, so texture coordinates hit texel centres.

uniform sampler2D u_image;

in vec2 v_texcoord;
out vec4 f_colour;

const vec3 LUMA = vec3(0.299, 0.587, 0.114);

void main() {
    // the pixel and its diagonal neighbours are whole texels: fetched, not filtered (on a
    // software rasteriser a filtered lookup costs several fetches), clamped at the edges
    ivec2 last = textureSize(u_image, 0) - 1;
    vec2 texel = 1.0 / vec2(last + 1);
    ivec2 p = ivec2(gl_FragCoord.xy);
    vec3 centre = texelFetch(u_image, p, 0).rgb;
    vec3 nw = texelFetch(u_image, clamp(p + ivec2(-1, -1), ivec2(0), last), 0).rgb;
    vec3 ne = texelFetch(u_image, clamp(p + ivec2(1, -1), ivec2(0), last), 0).rgb;
    vec3 sw = texelFetch(u_image, clamp(p + ivec2(-1, 1), ivec2(0), last), 0).rgb;
    vec3 se = texelFetch(u_image, clamp(p + ivec2(1, 1), ivec2(0), last), 0).rgb;
    float l_nw = dot(nw, LUMA), l_ne = dot(ne, LUMA), l_sw = dot(sw, LUMA), l_se = dot(se, LUMA);
    float l_m = dot(centre, LUMA);
    float l_min = min(l_m, min(min(l_nw, l_ne), min(l_sw, l_se)));
    float l_max = max(l_m, max(max(l_nw, l_ne), max(l_sw, l_se)));
    if (l_max - l_min < max(0.0312, l_max * 0.125)) {
        f_colour = vec4(centre, 1.0);
        return;
    }
    vec2 dir = vec2(-((l_nw + l_ne) - (l_sw + l_se)), (l_nw + l_sw) - (l_ne + l_se));
    float reduce = max((l_nw + l_ne + l_sw + l_se) * (0.25 / 8.0), 1.0 / 128.0);
    float scale = 1.0 / (min(abs(dir.x), abs(dir.y)) + reduce);
    dir = clamp(dir * scale, vec2(-8.0), vec2(8.0)) * texel;
    vec3 near = 0.5 * (texture(u_image, v_texcoord + dir * (1.0 / 3.0 - 0.5)).rgb
                       + texture(u_image, v_texcoord + dir * (2.0 / 3.0 - 0.5)).rgb);
    vec3 far = near * 0.5 + 0.25 * (texture(u_image, v_texcoord - dir * 0.5).rgb
                                    + texture(u_image, v_texcoord + dir * 0.5).rgb);
    float l_far = dot(far, LUMA);
    f_colour = vec4((l_far < l_min || l_far > l_max) ? near : far, 1.0);
}

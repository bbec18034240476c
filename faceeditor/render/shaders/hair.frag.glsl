#version 330 core
// Hair: Kajiya-Kay diffuse and two shifted specular lobes (Scheuermann's practical form:
// a white primary lobe and a hair-coloured secondary one) under the studio lights, lit in
// linear RGB and sRGB-encoded on output like the skin.
// u_mode 0: alpha-tested cards (coverage >= u_cutoff, depth written);
// u_mode 1: the soft fringe of the cards (coverage below u_cutoff), blended;
// u_mode 2: painted layers (opacity from the vertex colour), blended.
// With INTERACTIVE defined (frames drawn while something moves) the light comes per vertex
// from hair.vert.glsl: strands are lit along their length, which vertices sample well enough.

uniform sampler2D u_strands;
uniform int u_mode;
uniform float u_cutoff;
#include "hair_lighting.glsl"

#ifdef INTERACTIVE
in vec3 v_diffuse;   // lit per vertex (hair.vert.glsl): albedo times the light
in vec3 v_specular;
#endif

in vec3 v_position;
in vec3 v_tangent;
in vec2 v_uv;
in vec4 v_colour;

out vec4 f_colour;

void main() {
    vec3 albedo = v_colour.rgb;
    float alpha;
    float occlusion;
    if (u_mode == 2) {
        alpha = v_colour.a;
        occlusion = 0.55;
        if (alpha < 0.004) discard;
    } else {
        alpha = texture(u_strands, v_uv).r;
        // thin strands fade with distance in the mipmaps: keep them whole while drawn. Seen from
        // afar (many texels a pixel) a card's strands merge into one lock; the mipmaps average
        // them with the gaps between, and the alpha test would thin the hair to straws
        vec2 texel = v_uv * vec2(textureSize(u_strands, 0));
        float footprint = max(length(dFdx(texel)), length(dFdy(texel)));
        alpha = clamp(alpha * mix(1.35, 2.6, smoothstep(8.0, 32.0, footprint)), 0.0, 1.0);
        // thin the tips (mipmaps average strand ends into a square card end), each card
        // from its own height so card ends do not line up
        float jitter = fract(v_colour.a * 37.17 + v_uv.x * 3.1);
        alpha *= 1.0 - 0.75 * smoothstep(0.45 + 0.35 * jitter, 1.0, v_uv.y);
        if (u_mode == 0 && alpha < u_cutoff) discard;
        if (u_mode == 1 && (alpha >= u_cutoff || alpha < 0.03)) discard;
        // roots sit in the shadow of the hair above them
        occlusion = v_colour.a * mix(0.45, 1.0, smoothstep(0.0, 0.45, v_uv.y));
    }
#ifdef INTERACTIVE
    vec3 colour = occlusion * (v_diffuse + v_specular);
    if (u_mode == 2) {
        colour = v_diffuse * occlusion;
    }
#else
    vec3 light, spec;
    strand_light(v_tangent, normalize(-v_position), albedo, column_sheen(v_uv.x), light, spec);
    vec3 colour = occlusion * (albedo * light + spec);
    if (u_mode == 2) {
        colour = albedo * light * occlusion;
    }
#endif
    f_colour = vec4(linear_to_srgb(colour), u_mode == 0 ? 1.0 : alpha);
}

#version 330 core
// Hair: Kajiya-Kay diffuse and two shifted specular lobes (Scheuermann's practical form:
// a white primary lobe and a hair-coloured secondary one) under the studio lights, lit in
// linear RGB and sRGB-encoded on output like the skin.
// u_mode 0: alpha-tested cards (coverage >= u_cutoff, depth written);
// u_mode 1: the soft fringe of the cards (coverage below u_cutoff), blended;
// u_mode 2: painted layers (opacity from the vertex colour), blended.

uniform sampler2D u_strands;
uniform int u_mode;
uniform float u_cutoff;
uniform vec3 u_light_direction[LIGHT_COUNT];
uniform vec3 u_light_colour[LIGHT_COUNT];
uniform vec3 u_sky;
uniform vec3 u_ground;

in vec3 v_position;
in vec3 v_tangent;
in vec2 v_uv;
in vec4 v_colour;

out vec4 f_colour;

vec3 linear_to_srgb(vec3 c) {
    c = clamp(c, 0.0, 1.0);
    return mix(c * 12.92, 1.055 * pow(c, vec3(1.0 / 2.4)) - 0.055, step(vec3(0.0031308), c));
}

float strand_specular(vec3 t, vec3 h, float exponent) {
    float t_dot_h = dot(t, h);
    float sin_th = sqrt(max(1.0 - t_dot_h * t_dot_h, 0.0));
    return pow(sin_th, exponent);
}

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
    vec3 to_eye = normalize(-v_position);
    vec3 t = v_tangent;
    if (dot(t, t) < 1e-12) {
        t = vec3(0.0, 1.0, 0.0);
    }
    t = normalize(t);
    vec3 light = mix(u_ground, u_sky, 0.6) * 1.6;
    vec3 spec = vec3(0.0);
    for (int i = 0; i < LIGHT_COUNT; ++i) {
        vec3 l = u_light_direction[i];
        float t_dot_l = dot(t, l);
        float diffuse = sqrt(max(1.0 - t_dot_l * t_dot_l, 0.0));
        light += u_light_colour[i] * mix(0.25, 1.0, diffuse) * 0.75;
        vec3 h = normalize(l + to_eye);
        vec3 t1 = normalize(t + 0.08 * cross(t, to_eye));
        spec += u_light_colour[i] * (0.06 * strand_specular(t1, h, 80.0)
                                     + 0.18 * albedo * strand_specular(t, h, 18.0));
    }
    vec3 colour = occlusion * (albedo * light + spec);
    if (u_mode == 2) {
        colour = albedo * light * occlusion;
    }
    f_colour = vec4(linear_to_srgb(colour), u_mode == 0 ? 1.0 : alpha);
}

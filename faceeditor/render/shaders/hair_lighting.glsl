// Strand lighting shared by the hair's fragment shader and, for interactive frames, its
// vertex shader: Kajiya-Kay diffuse and two shifted specular lobes (Scheuermann's practical
// form) under the studio lights, in linear RGB.

uniform vec3 u_light_direction[LIGHT_COUNT];
uniform vec3 u_light_colour[LIGHT_COUNT];
uniform vec3 u_sky;
uniform vec3 u_ground;
// sheen (specular strength) of each strand atlas column (hair_pass.COLUMN_SHEEN)
uniform float u_column_sheen[ATLAS_COLUMN_COUNT];

vec3 linear_to_srgb(vec3 c) {
    c = clamp(c, 0.0, 1.0);
    return mix(c * 12.92, 1.055 * pow(c, vec3(1.0 / 2.4)) - 0.055, step(vec3(0.0031308), c));
}

float strand_specular(vec3 t, vec3 h, float exponent) {
    float t_dot_h = dot(t, h);
    float sin_th = sqrt(max(1.0 - t_dot_h * t_dot_h, 0.0));
    return pow(sin_th, exponent);
}

// The sheen of the strands at atlas ``u`` (their card's column).
float column_sheen(float u) {
    int column = clamp(int(u * float(ATLAS_COLUMN_COUNT)), 0, ATLAS_COLUMN_COUNT - 1);
    return u_column_sheen[column];
}

// The light on a strand with tangent ``tangent`` (view space, any length; none: vertical)
// seen from ``to_eye``: ``light`` (times the albedo) and the ``spec`` added on top, scaled by
// ``sheen``.
void strand_light(vec3 tangent, vec3 to_eye, vec3 albedo, float sheen, out vec3 light,
                  out vec3 spec) {
    vec3 t = tangent;
    if (dot(t, t) < 1e-12) {
        t = vec3(0.0, 1.0, 0.0);
    }
    t = normalize(t);
    light = mix(u_ground, u_sky, 0.6) * 1.6;
    spec = vec3(0.0);
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
    spec *= sheen;
}

#version 330 core
// The albedo in UV space, per texel: the same steps as faceeditor/albedo/generator.py
// (compose, then pores). Inputs: u_inputs layers hold the 8-bit masks and seeded fields, four
// per layer; CH_<name> (injected defines) is (layer, component) of each. Colours are linear RGB
// unless named _srgb. Keep this file and generator.compose in step (tests/test_albedo_gpu.py).

uniform sampler2DArray u_inputs;
uniform sampler2D u_lut;          // x = melanin, y = hemoglobin slider value; linear RGB
uniform sampler2D u_pores;        // tileable, REPEAT
uniform sampler2D u_strands;      // tileable eyebrow hair strands, REPEAT
uniform float u_pore_repeat;      // tiles across the UV square (pores and strands)
uniform float u_pore_depth;
uniform float u_brow_tint, u_strand_opacity;
uniform vec3 u_hair_srgb;

uniform float u_skin_melanin, u_skin_hemoglobin, u_skin_redness, u_skin_blotchiness;
uniform float u_freckles, u_moles, u_age_spots, u_eyebrow_density, u_beard_shadow;
uniform float u_lip_redness, u_lipstick_opacity, u_blush_opacity, u_eyeshadow_opacity;
uniform float u_eyeliner_opacity, u_iris_pattern, u_pupil_size, u_sclera_redness;
uniform vec3 u_hair, u_lipstick, u_blush, u_eyeshadow, u_eyeliner, u_iris, u_pupil;
uniform vec3 u_sclera, u_sclera_veins, u_tongue, u_teeth, u_cavity, u_mole_tint;
uniform vec3 u_base_srgb;

in vec2 v_uv;
out vec4 f_colour;

float ch(ivec2 c) {
    return texture(u_inputs, vec3(v_uv, float(c.x)))[c.y];
}

vec3 lut(float melanin, float hemoglobin) {
    vec2 n = vec2(textureSize(u_lut, 0));
    vec2 p = clamp(vec2(melanin, hemoglobin), 0.0, 1.0) * (n - 1.0) + 0.5;
    return texture(u_lut, p / n).rgb;
}

vec3 linear_to_srgb(vec3 c) {
    c = clamp(c, 0.0, 1.0);
    return mix(c * 12.92, 1.055 * pow(c, vec3(1.0 / 2.4)) - 0.055, step(vec3(0.0031308), c));
}

vec3 eye_colour() {
    float t = ch(CH_eye_theta) * 4.0;
    float fibres = ch(CH_iris) - 0.5;
    vec3 iris = u_iris * (1.0 + 1.6 * u_iris_pattern * fibres);
    iris *= 1.0 - 0.6 * smoothstep(0.75, 1.0, t);
    float pupil_radius = 0.25 + 0.35 * u_pupil_size;
    vec3 sclera = mix(u_sclera, u_sclera_veins, u_sclera_redness * smoothstep(1.6, 3.2, t));
    vec3 eye = mix(u_pupil, iris, smoothstep(pupil_radius - 0.05, pupil_radius + 0.05, t));
    return mix(eye, sclera, smoothstep(0.97, 1.08, t));
}

void main() {
    vec3 srgb = u_base_srgb;
    float skin = 1.0;
    float brow = 0.0;
    if (ch(CH_active) > 0.5) {
        float eyeball = ch(CH_eyeball), tongue = ch(CH_tongue), teeth = ch(CH_teeth);
        float cavity = ch(CH_cavity);
        float lips = ch(CH_lips), cheeks = ch(CH_cheeks), nose = ch(CH_nose_tip);
        float forehead = ch(CH_forehead);
        float blotch = ch(CH_blotch) - 0.5;
        float freckle = ch(CH_freckle);    // soft spots placed by noise.py
        float age_spot = ch(CH_age_spot);
        float melanin = u_skin_melanin * (1.0 + 0.5 * u_skin_blotchiness * blotch + 0.2 * lips
                                          + 0.25 * ch(CH_eye_sockets))
                        + 0.3 * u_freckles * freckle + 0.18 * u_age_spots * age_spot;
        float hemoglobin = u_skin_hemoglobin * (1.0 - 0.6 * u_skin_blotchiness * blotch)
                           + u_skin_redness * (0.3 * cheeks + 0.3 * nose + 0.2 * ch(CH_ears))
                           + lips * (0.4 + 0.8 * u_lip_redness);
        vec3 colour = lut(melanin, hemoglobin);
        float mole = clamp(ch(CH_mole) * (2.5 * u_moles) - 0.4, 0.0, 1.0);
        colour = mix(colour, colour * u_mole_tint, mole);
        float grain = ch(CH_hair);
        brow = clamp(ch(CH_brows) * u_eyebrow_density * (0.55 + 0.6 * grain), 0.0, 1.0);
        colour = mix(colour, u_hair, u_brow_tint * brow);
        float stubble = ch(CH_beard) * u_beard_shadow * (0.5 + 0.5 * grain);
        colour = mix(colour, u_hair * 0.8 + colour * 0.2, 0.55 * stubble);
        colour = mix(colour, u_lipstick, lips * u_lipstick_opacity);
        colour = mix(colour, u_blush, 0.5 * cheeks * u_blush_opacity);
        colour = mix(colour, u_eyeshadow, ch(CH_eyelids) * u_eyeshadow_opacity);
        colour = mix(colour, u_eyeliner, ch(CH_eyeliner) * u_eyeliner_opacity);
        colour = mix(colour, eye_colour(), eyeball);
        colour = mix(colour, u_tongue, tongue);
        colour = mix(colour, u_teeth, teeth);
        colour = mix(colour, u_cavity, cavity);
        skin = clamp(1.0 - eyeball - tongue - teeth - cavity, 0.0, 1.0) * (1.0 - lips);
        srgb = linear_to_srgb(colour);
    }
    float pore = texture(u_pores, v_uv * u_pore_repeat).r;
    float strand = texture(u_strands, v_uv * u_pore_repeat).r;
    srgb *= 1.0 - u_pore_depth * pore * skin;
    f_colour = vec4(mix(srgb, u_hair_srgb, u_strand_opacity * strand * brow), 1.0);
}

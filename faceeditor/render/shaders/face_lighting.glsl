// Lighting shared by the face's fragment shader and, for interactive frames, its vertex
// shader (included by both): materials, lights, the skin LUT, tone curve and sRGB.

#define PI 3.14159265

uniform vec4 u_material[PART_COUNT];   // (roughness, F0, subsurface weight, unused)
uniform vec3 u_light_direction[LIGHT_COUNT];  // view space, unit, toward the light; 0 = key
uniform vec3 u_light_colour[LIGHT_COUNT];     // linear RGB
uniform vec3 u_sh[9];                  // irradiance / pi, view space
uniform sampler2D u_skin_lut;

const float CATCHLIGHT_COS_OUTER = 0.9511;  // softbox seen from the head: 18 degrees radius
const float CATCHLIGHT_COS_INNER = 0.9703;
const float SOFTBOX_DROP = 0.3;
const float SOFTBOX_SOLID_ANGLE = 0.05;       // radiance of a 7 degree softbox (soft 14 degree edge)

vec3 srgb_to_linear(vec3 c) {
    return mix(c / 12.92, pow((c + 0.055) / 1.055, vec3(2.4)), step(vec3(0.04045), c));
}

vec3 linear_to_srgb(vec3 c) {
    c = clamp(c, 0.0, 1.0);
    return mix(c * 12.92, 1.055 * pow(c, vec3(1.0 / 2.4)) - 0.055, step(vec3(0.0031308), c));
}

vec3 tone_map(vec3 c) {  // Khronos PBR Neutral
    float x = min(c.r, min(c.g, c.b));
    float offset = x < 0.08 ? x - 6.25 * x * x : 0.04;
    c -= offset;
    float peak = max(c.r, max(c.g, c.b));
    const float start = 0.76;
    if (peak < start) return c;
    const float d = 1.0 - start;
    float new_peak = 1.0 - d * d / (peak + d - start);
    c *= new_peak / peak;
    float g = 1.0 - 1.0 / (0.15 * (peak - new_peak) + 1.0);
    return mix(c, vec3(new_peak), g);
}

vec3 sh_irradiance(vec3 n) {
    return max(u_sh[0] * 0.282095
        + u_sh[1] * 0.488603 * n.y + u_sh[2] * 0.488603 * n.z + u_sh[3] * 0.488603 * n.x
        + u_sh[4] * 1.092548 * n.x * n.y + u_sh[5] * 1.092548 * n.y * n.z
        + u_sh[6] * 0.315392 * (3.0 * n.z * n.z - 1.0) + u_sh[7] * 1.092548 * n.x * n.z
        + u_sh[8] * 0.546274 * (n.x * n.x - n.y * n.y), 0.0);
}

float ggx(float nh, float alpha) {
    float a2 = alpha * alpha;
    float d = nh * nh * (a2 - 1.0) + 1.0;
    return a2 / (PI * d * d);
}

// One light (direction ``l``, colour ``c``, ``visible`` through shadows) on a surface with
// shading normal ``n`` and smooth normal ``ng``: adds the scattered diffuse (to be multiplied
// by the albedo) and the GGX specular (Smith visibility, Schlick Fresnel).
void direct_light(vec3 l, vec3 c, vec3 visible, vec3 n, vec3 ng, vec3 v, float nv, float alpha, float f0,
                  float sss, float curvature, inout vec3 diffuse, inout vec3 specular) {
    float ngl = dot(ng, l);
    float nl = dot(n, l);
    vec3 lambert = vec3(max(nl, 0.0));
    if (sss > 0.0) {  // red follows the smooth normal, green and blue keep the detail
        vec3 scattered = texture(u_skin_lut, vec2(ngl * 0.5 + 0.5, curvature)).rgb;
        scattered.gb = mix(lambert.gb, scattered.gb, 0.5);
        lambert = mix(lambert, scattered, sss);
    }
    diffuse += c * lambert * visible;
    if (nl > 0.0) {
        vec3 h = normalize(l + v);
        float nh = max(dot(n, h), 0.0);
        float vh = max(dot(v, h), 0.0);
        float k = alpha * 0.5 + 1e-4;
        float vis = 1.0 / ((nl * (1.0 - k) + k) * (nv * (1.0 - k) + k));
        float fresnel = f0 + (1.0 - f0) * pow(1.0 - vh, 5.0);
        float lobe = ggx(nh, alpha);
        specular += c * visible * (PI * 0.25 * lobe * vis * fresnel * nl);
    }
}

// The key light's softbox mirrored in a glossy surface (reflected view ray ``r``): the
// catchlight. A softbox is large: brows and lids that shadow a point light rarely hide it; its
// centre sits lower than the direction of its light (a portrait softbox is tall and its lower
// half faces the eyes).
vec3 catchlight(vec3 l, vec3 c, vec3 r, float glossy, float fresnel_v) {
    vec3 softbox = normalize(l - vec3(0.0, SOFTBOX_DROP, 0.0));
    float box = smoothstep(CATCHLIGHT_COS_OUTER, CATCHLIGHT_COS_INNER, dot(r, softbox));
    return c * (box * glossy * fresnel_v * PI / SOFTBOX_SOLID_ANGLE);
}

#version 330 core
// Face mesh fragment shader: physically based skin, eyes and mouth in linear RGB, then a
// filmic tone curve (Khronos PBR Neutral: toe and highlight shoulder that keep hue) and sRGB.
//
// * Diffuse: pre-integrated skin scattering (LUT by N.L and curvature; red from the smooth
//   normal, green/blue from the normal-mapped one), shadow penumbrae that bleed red, light
//   transmitted through thin flesh (ears, nostrils) using the thickness read from the key
//   light's shadow map.
// * Specular: GGX with Smith visibility and Schlick Fresnel, roughness from the material map
//   (oily T-zone, drier cheeks); skin has a second, sharper lobe. Glossy surfaces (cornea,
//   the wet lower-lid margin) also mirror the key light's softbox: the catchlight.
// * Ambient: 9-coefficient SH irradiance of the studio, darkened by baked occlusion.
// * Eyes: the iris is looked up behind the cornea (parallax, refracted).
// Compiled with INTERACTIVE defined (frames drawn while something moves) the lighting is
// computed per vertex (face.vert.glsl; no detail maps, cornea, key-light shadow or light
// through thin flesh) and this shader only looks up the albedo, adds the eyes' catchlight,
// tone maps and encodes: on a software rasteriser the per-pixel lighting cost about twice the
// rest of the frame (triangles, textures, the hair) at interactive sizes.
// Back faces are lit too (culling is off so the mouth cavity shows from inside): their normal
// is flipped toward the viewer. Light colours include pi: Lambert radiance = albedo * c * N.L.

#ifndef SHADOW_TAPS
#define SHADOW_TAPS 8  // taps of the key light's shadow filter (the renderer compiles its level's)
#endif

#include "face_lighting.glsl"

uniform vec3 u_albedo[PART_COUNT];     // linear RGB
uniform float u_exposure;

uniform bool u_use_albedo_map;   // every part's colour from u_albedo_map (sRGB texture) when true
uniform sampler2D u_albedo_map;
uniform bool u_use_detail_maps;  // normal map and material map (roughness, iris radius)
uniform sampler2D u_normal_map;
uniform sampler2D u_material_map;
uniform sampler2DShadow u_shadow_map;
uniform sampler2D u_shadow_depth;
uniform int u_shadow_taps;       // 0: no shadow map (else SHADOW_TAPS, compiled in)
uniform float u_shadow_radius;   // PCF radius in shadow-map UV
uniform float u_shadow_bias;     // depth units
uniform float u_shadow_depth_range;  // metres from depth 0 to 1

uniform vec3 u_eye_centre[2];   // eyeball centres, view space
uniform vec3 u_eye_axis[2];     // optical axes, view space, unit

uniform int u_view_mode;    // 0 shaded, 1 albedo only, 2 view-space normals, 3 shading on grey
uniform vec4 u_overlay;     // wireframe pass: rgb mixed over the surface by alpha (0 = off)

in vec3 v_position;
in vec3 v_normal;
in vec2 v_texcoord;
in vec3 v_surface;
in vec3 v_shadow;
flat in uint v_part_id;

out vec4 f_colour;

const vec2 POISSON[16] = vec2[](
    vec2(-0.94201624, -0.39906216), vec2(0.94558609, -0.76890725),
    vec2(-0.09418410, -0.92938870), vec2(0.34495938, 0.29387760),
    vec2(-0.91588581, 0.45771432), vec2(-0.81544232, -0.87912464),
    vec2(-0.38277543, 0.27676845), vec2(0.97484398, 0.75648379),
    vec2(0.44323325, -0.97511554), vec2(0.53742981, -0.47373420),
    vec2(-0.26496911, -0.41893023), vec2(0.79197514, 0.19090188),
    vec2(-0.24188840, 0.99706507), vec2(-0.81409955, 0.91437590),
    vec2(0.19984126, 0.78641367), vec2(0.14383161, -0.14100790));

// light through thin flesh (ears, nostril wings) relative to the light's own intensity: a glow
// against a light behind the head, a faint warmth (this fraction of it) on the shadowed
// underside of the nose under a light in front
const float TRANSMISSION = 1.5;
const float TRANSMISSION_FRONT = 0.12;
const float IRIS_DEPTH_M = 0.0025;          // anterior chamber: iris behind the cornea
const float CORNEA_IOR = 1.376;
const float IRIS_ANGLE = 0.38;              // radians from the axis to the limbus on the ball
const float CORNEA_BULGE = 4.0;             // eyeball / cornea radius, and the model ball is big
const float DETAIL_NORMAL_SCALE = 0.22;     // the export normal map is made for close-ups

float key_shadow(float n_dot_l) {
    if (any(lessThan(v_shadow, vec3(0.0)))
            || any(greaterThan(v_shadow, vec3(1.0)))) {
        return 1.0;
    }
    // the filter reaches u_shadow_radius across the surface: a surface tilted away from the
    // light moves that far in depth times tan(angle), so the bias grows with it (map UV and
    // depth share units: the orthographic box is as deep as it is wide)
    float c = clamp(n_dot_l, 0.1, 1.0);
    float bias = u_shadow_bias + u_shadow_radius * sqrt(1.0 - c * c) / c;
    // the disc turns from pixel to pixel (interleaved gradient noise): one fixed pattern of a
    // few taps draws a penumbra as that many concentric bands; turned, the steps become a fine
    // grain that antialiasing and supersampling average away
    float turn = 6.2831853 * fract(52.9829189 * fract(dot(gl_FragCoord.xy,
                                                          vec2(0.06711056, 0.00583715))));
    mat2 rotate = mat2(cos(turn), sin(turn), -sin(turn), cos(turn));
    float sum = 0.0;
    for (int i = 0; i < SHADOW_TAPS; ++i) {
        sum += texture(u_shadow_map, vec3(v_shadow.xy + rotate * POISSON[i] * u_shadow_radius,
                                          v_shadow.z - bias));
    }
    return sum / float(SHADOW_TAPS);
}

#ifndef INTERACTIVE
void main() {
    uint part = min(v_part_id, uint(PART_COUNT - 1));
    bool is_skin = part == uint(PART_SKIN);
    bool is_eye = part == uint(PART_EYES);
    vec3 ng = normalize(v_normal);
    if (!gl_FrontFacing) {
        ng = -ng;
    }
    vec3 v = normalize(-v_position);
    vec4 material = u_material[part];
    float roughness = material.x;
    float f0 = material.y;
    float sss = material.z;
    float ao = clamp(v_surface.x, 0.0, 1.0);
    float curvature = clamp(v_surface.y, 0.0, 1.0);
    float wet = is_skin ? clamp(v_surface.z, 0.0, 1.0) : 0.0;

    // Cotangent frame from screen derivatives: T / det and B / det are the surface gradients
    // of u and v (per metre), T and B unnormalised tangents along +u and +v.
    vec2 uv = v_texcoord;
    vec3 n = ng;
    if (u_use_detail_maps) {
        vec3 dp1 = dFdx(v_position);
        vec3 dp2 = dFdy(v_position);
        vec2 duv1 = dFdx(uv);
        vec2 duv2 = dFdy(uv);
        vec3 dp2perp = cross(dp2, ng);
        vec3 dp1perp = cross(ng, dp1);
        vec3 t = dp2perp * duv1.x + dp1perp * duv2.x;
        vec3 b = dp2perp * duv1.y + dp1perp * duv2.y;
        float det = dot(dp1, dp2perp);
        vec3 mat_map = texture(u_material_map, uv).rgb;
        roughness = mat_map.r;
        if (is_eye && abs(det) > 1e-24) {
            float radius = mat_map.g * 4.0;  // 1 at the limbus
            float depth = IRIS_DEPTH_M * max(1.0 - radius * radius, 0.0);
            vec3 across = v - ng * dot(v, ng);
            vec3 shift = -depth * across / (max(dot(v, ng), 0.3) * CORNEA_IOR);
            uv += vec2(dot(t, shift), dot(b, shift)) / det;
        }
        vec3 tn = texture(u_normal_map, uv).xyz * 2.0 - 1.0;
        tn.xy *= DETAIL_NORMAL_SCALE;
        float inv = inversesqrt(max(max(dot(t, t), dot(b, b)), 1e-30));
        n = normalize(mat3(t * inv, b * inv, ng) * tn);
        if (dot(n, v) < 0.0) {
            n = ng;
        }
    }

    if (is_eye) {  // the cornea: a smaller sphere on the ball, so its normal turns faster
        int k = distance(v_position, u_eye_centre[0]) < distance(v_position, u_eye_centre[1])
            ? 0 : 1;
        vec3 axis = u_eye_axis[k];
        float along = dot(n, axis);
        float angle = acos(clamp(along, -1.0, 1.0));
        float bulge = mix(CORNEA_BULGE, 1.0, smoothstep(0.85, 1.05, angle / IRIS_ANGLE));
        vec3 across = n - axis * along;
        vec3 cornea = normalize(axis * along + across * bulge);
        if (dot(cornea, v) > 0.0) {
            n = cornea;
        }
    }

    vec3 albedo = u_albedo[part];
    if (u_use_albedo_map) {  // the albedo texture paints every part (iris, teeth, tongue)
        albedo = srgb_to_linear(texture(u_albedo_map, uv).rgb);
    }
    // the tear film on the lower lid's rim: glossy, a little pinker, no scattering blur
    roughness = mix(roughness, 0.1, wet);
    f0 = mix(f0, 0.02, wet);
    albedo = mix(albedo, albedo * vec3(1.0, 0.78, 0.8), 0.6 * wet);
    roughness = clamp(roughness, 0.05, 1.0);

    float alpha = roughness * roughness;
    float nv = max(dot(n, v), 1e-3);
    vec3 diffuse = vec3(0.0);
    vec3 transmitted = vec3(0.0);
    vec3 specular = vec3(0.0);
    vec3 r = reflect(-v, n);
    float glossy = 1.0 - smoothstep(0.08, 0.3, roughness);
    float fresnel_v = f0 + (1.0 - f0) * pow(1.0 - nv, 5.0);
    // The key light's shadow and transmission, outside the light loop and behind a uniform
    // branch: inside the loop llvmpipe paid for the filter on every pixel even with no shadow
    // map (a draft frame cost 2.5 times as much).
    vec3 key_visible = vec3(1.0);
    if (u_shadow_taps > 0) {
        vec3 l = u_light_direction[0];
        float ngl = dot(ng, l);
        // toward the terminator the surface's own cosine (and the scattering LUT) darkens it;
        // the shadow map, which sees the faceted silhouette, would add a jagged line there
        float s = mix(1.0, key_shadow(ngl), smoothstep(0.02, 0.3, ngl));
        key_visible = mix(vec3(s), pow(vec3(s), vec3(0.75, 1.0, 1.06)), sss);
        if (sss > 0.0) {
            float stored = texture(u_shadow_depth, v_shadow.xy).r;
            float thickness = max(v_shadow.z - stored, 0.0) * u_shadow_depth_range + 0.0015;
            vec3 through = exp(-thickness / vec3(0.006, 0.0022, 0.0012));
            // only where the surface faces well away from the light: grazing the silhouette the
            // map reads no depth at all, which is not thin flesh
            // and only on thin, curved parts (ears, nostril wings): the map cannot tell flesh from
            // the air between the nose and the cheek behind it
            float behind = mix(TRANSMISSION_FRONT, 1.0, smoothstep(0.0, 0.7, -dot(l, v)));
            transmitted = u_light_colour[0] * through
                * (smoothstep(0.0, 0.5, -ngl) * behind * smoothstep(0.06, 0.25, curvature)
                   * TRANSMISSION * sss);
        }
    }
    for (int i = 0; i < LIGHT_COUNT; ++i) {
        vec3 l = u_light_direction[i];
        vec3 c = u_light_colour[i];
        vec3 visible = i == 0 ? key_visible : vec3(1.0);
        direct_light(l, c, visible, n, ng, v, nv, alpha, f0, sss, curvature, diffuse, specular);
        if (i == 0 && glossy > 0.0) {
            specular += catchlight(l, c, r, glossy, fresnel_v);
        }
    }
    vec3 ambient = sh_irradiance(n) * ao;
    vec3 reflected = sh_irradiance(r) * fresnel_v * mix(0.3, 1.0, glossy) * ao;
    // occluded creases also lose some direct light (light bounced in from the room)
    float crease = mix(1.0, ao, 0.35);
    vec3 colour = albedo * (diffuse * crease + ambient + transmitted) + specular * crease
        + reflected;
    if (u_view_mode == 1) {
        colour = albedo;
    } else if (u_view_mode == 2) {
        colour = srgb_to_linear(n * 0.5 + 0.5);
    } else {
        if (u_view_mode == 3) {
            colour = vec3(0.45) * (diffuse * crease + ambient + transmitted) + specular + reflected;
        }
        colour = tone_map(colour * u_exposure);
    }
    colour = mix(colour, u_overlay.rgb, u_overlay.a);
    f_colour = vec4(linear_to_srgb(colour), 1.0);
}
#else  // INTERACTIVE

in vec3 v_front_diffuse;   // lit per vertex (face.vert.glsl): irradiance times the albedo
in vec3 v_front_specular;  // radiance added on top
in vec3 v_back_diffuse;    // the same for back faces (the mouth cavity seen from inside)
in vec3 v_back_specular;

void main() {
    uint part = min(v_part_id, uint(PART_COUNT - 1));
    vec3 albedo = u_albedo[part];
    if (u_use_albedo_map) {
        albedo = srgb_to_linear(texture(u_albedo_map, v_texcoord).rgb);
    }
    vec3 diffuse = gl_FrontFacing ? v_front_diffuse : v_back_diffuse;
    vec3 specular = gl_FrontFacing ? v_front_specular : v_back_specular;
    float roughness = clamp(u_material[part].x, 0.05, 1.0);
    float glossy = 1.0 - smoothstep(0.08, 0.3, roughness);
    vec3 n = vec3(0.0, 0.0, 1.0);
    if (glossy > 0.0 || u_view_mode == 2) {  // the catchlight is too sharp for vertices
        n = normalize(v_normal);
        if (!gl_FrontFacing) {
            n = -n;
        }
        vec3 v = normalize(-v_position);
        float f0 = u_material[part].y;
        float fresnel_v = f0 + (1.0 - f0) * pow(1.0 - max(dot(n, v), 1e-3), 5.0);
        specular += catchlight(u_light_direction[0], u_light_colour[0], reflect(-v, n), glossy,
                               fresnel_v);
    }
    vec3 colour = albedo * diffuse + specular;
    if (u_view_mode == 1) {
        colour = albedo;
    } else if (u_view_mode == 2) {
        colour = srgb_to_linear(n * 0.5 + 0.5);
    } else {
        if (u_view_mode == 3) {
            colour = vec3(0.45) * diffuse + specular;
        }
        colour = tone_map(colour * u_exposure);
    }
    colour = mix(colour, u_overlay.rgb, u_overlay.a);
    f_colour = vec4(linear_to_srgb(colour), 1.0);
}
#endif
